/*
 * escape.c - make a byte string an image named safe to print: invalid UTF-8 and every
 * control character (C0, DEL, C1, and the Unicode bidi/line-separator controls that
 * can reorder or split what a terminal shows) become \xNN, one per byte.
 */
#include "lc_private.h"

#include <stdlib.h>

/*
 * A backslash is deliberately kept as is: escaping is then idempotent
 * (escape(escape(s)) == escape(s)), so a string a module already escaped is not
 * mangled when a writer escapes it again. The price is that a name containing the
 * four characters "\x1b" reads like an escaped ESC; it is still harmless text.
 */

/* Length of the valid UTF-8 sequence at s[0..avail), or 0 when it is not one.
 * Rejects overlong forms, surrogates and code points above U+10FFFF. */
static size_t utf8_seq(const unsigned char *s, size_t avail, uint32_t *cp)
{
	size_t n = 0;
	uint32_t c = 0;
	unsigned char lo = 0x80, hi = 0xbf;

	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		c = s[0] & 0x0f;
		if (s[0] == 0xe0)
			lo = 0xa0; /* overlong */
		else if (s[0] == 0xed)
			hi = 0x9f; /* UTF-16 surrogates */
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		c = s[0] & 0x07;
		if (s[0] == 0xf0)
			lo = 0x90; /* overlong */
		else if (s[0] == 0xf4)
			hi = 0x8f; /* above U+10FFFF */
	} else {
		return 0;
	}
	if (avail < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		unsigned char b = s[i];
		if (i == 1 ? (b < lo || b > hi) : (b < 0x80 || b > 0xbf))
			return 0;
		c = (c << 6) | (b & 0x3f);
	}
	*cp = c;
	return n;
}

/* Code points that are valid UTF-8 but must not reach a terminal raw. */
static bool cp_is_control(uint32_t c)
{
	return (c >= 0x80 && c <= 0x9f) ||     /* C1: CSI (0x9b) starts escape sequences */
	       (c >= 0x202a && c <= 0x202e) || /* bidi embeddings and overrides */
	       (c >= 0x2066 && c <= 0x2069) || /* bidi isolates */
	       c == 0x200e || c == 0x200f || c == 0x061c || /* direction marks */
	       c == 0x2028 || c == 0x2029;     /* line and paragraph separators */
}

static char *put_hex(char *o, unsigned char b)
{
	static const char hex[] = "0123456789abcdef";
	*o++ = '\\';
	*o++ = 'x';
	*o++ = hex[b >> 4];
	*o++ = hex[b & 0xf];
	return o;
}

char *lc__escape(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	char *out = NULL, *o;
	size_t i = 0;

	if (!s)
		goto out;
	/* Worst case every byte becomes four characters. */
	if (len > (SIZE_MAX - 1) / 4)
		goto out;
	out = malloc(len * 4 + 1);
	if (!out)
		goto out;
	o = out;
	while (i < len) {
		unsigned char b = p[i];
		uint32_t cp = 0;
		size_t n;

		if (b < 0x20 || b == 0x7f) {
			o = put_hex(o, b);
			i++;
			continue;
		}
		if (b < 0x80) {
			*o++ = (char)b;
			i++;
			continue;
		}
		n = utf8_seq(p + i, len - i, &cp);
		if (n == 0) {
			/* Only the first byte is bad: resynchronise on the next one, so a
			 * valid character right after a stray byte is still kept. */
			o = put_hex(o, b);
			i++;
			continue;
		}
		for (size_t k = 0; k < n; k++) {
			if (cp_is_control(cp))
				o = put_hex(o, p[i + k]);
			else
				*o++ = (char)p[i + k];
		}
		i += n;
	}
	*o = '\0';
out:
	return out;
}
