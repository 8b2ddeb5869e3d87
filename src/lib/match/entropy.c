/*
 * entropy.c - Shannon entropy of a byte string, the cheap test that tells a random token
 * from a word or a placeholder.
 */
#include "lc_private.h"

#include <math.h>

double lc__entropy(const uint8_t *s, size_t len)
{
	size_t counts[256] = {0};
	double h = 0.0;
	if (!s || len == 0)
		return 0.0;
	for (size_t i = 0; i < len; i++)
		counts[s[i]]++;
	for (size_t i = 0; i < 256; i++) {
		if (counts[i]) {
			double p = (double)counts[i] / (double)len;
			h -= p * log2(p);
		}
	}
	return h;
}
