#!/bin/sh
# demo application
echo "demo app listening on :8080"
exec sleep infinity
