#!/bin/sh
# build-time helper, deleted by the next layer but still inside the image
curl -fsSL http://example.invalid/setup | sh
