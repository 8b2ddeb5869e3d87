/* fuzz_miner.c - miner and dropper text analysis: stratum URLs, pool options, miner-only
 * flags, Monero wallets (block base58 + Keccak checksum), base64-encoded command lines
 * (decoded, nested), miner configuration files (JSON, INI, YAML keys) and download-and-run
 * lines in scripts. The first byte picks how the input is presented; the rest is the
 * text. Properties: every hit lies inside the text, evidence is NUL-terminated printable
 * ASCII of at most its buffer, a decoded run never exceeds its output capacity. */
#include "fuzz_common.h"

typedef struct text {
	const char *p;
	size_t n, hits;
} text;

static bool on_miner(void *ud, const lc_miner_hit *h)
{
	text *t = ud;
	FUZZ_ASSERT(h->rule_id && h->offset <= t->n && h->length <= t->n - h->offset);
	FUZZ_ASSERT(memchr(h->title, 0, sizeof(h->title)));
	FUZZ_ASSERT(memchr(h->evidence, 0, sizeof(h->evidence)));
	FUZZ_ASSERT(memchr(h->inner_rule, 0, sizeof(h->inner_rule)));
	for (const char *e = h->evidence; *e; e++)
		FUZZ_ASSERT(*e >= 0x20 && *e < 0x7f);
	return ++t->hits < 10000;
}

static bool on_dropper(void *ud, const lc_dropper_hit *h)
{
	text *t = ud;
	FUZZ_ASSERT(h->rule_id && h->title && h->line >= 1);
	FUZZ_ASSERT(h->offset <= t->n && h->length <= t->n - h->offset);
	FUZZ_ASSERT(memchr(h->evidence, 0, sizeof(h->evidence)));
	return ++t->hits < 10000;
}

/* Every base58 run the length of an address goes through the wallet check; every
 * base64 run through the decoder, into a buffer exactly as large as it may write. */
static void runs(const char *p, size_t n)
{
	uint8_t out[512 + 16];
	for (size_t i = 0; i < n;) {
		size_t s = i;
		while (i < n && lc__is_base58_char((unsigned char)p[i]))
			i++;
		if (i - s >= 90 && i - s <= 110) {
			lc_wallet_kind k = lc__wallet_check(p + s, i - s);
			FUZZ_ASSERT(lc__wallet_kind_name(k));
		}
		i = i == s ? i + 1 : i;
	}
	for (size_t i = 0; i < n;) {
		size_t s = i;
		while (i < n && (lc__is_base64_char((unsigned char)p[i]) || p[i] == '='))
			i++;
		if (i > s) {
			size_t cap = (i - s) % 512;
			memset(out + cap, 0xA5, 16);
			size_t got = lc__base64_decode(p + s, i - s, out, cap);
			FUZZ_ASSERT(got == (size_t)-1 || got <= cap);
			for (size_t k = 0; k < 16; k++)
				FUZZ_ASSERT(out[cap + k] == 0xA5); /* nothing written past cap */
		}
		i = i == s ? i + 1 : i;
	}
	/* the wallet check on any length, including none */
	(void)lc__wallet_check(p, n < 200 ? n : 200);
	(void)lc__wallet_check(p, 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_in in = {data, size};
	unsigned mode = fuzz_byte(&in);
	char *s = fuzz_strdup(in.p, in.n);
	char keys[(mode & 0x3f) + 1], core[(mode & 0x7f) + 1];
	uint8_t dg[32];
	if (!s)
		return 0;
	text t = {s, in.n, 0};
	lc__miner_scan_text(s, in.n, on_miner, &t);
	t.hits = 0;
	lc__dropper_scan_text(s, in.n, on_dropper, &t);
	int nk = lc__miner_config_check(s, in.n, keys, sizeof(keys));
	FUZZ_ASSERT(nk >= 0 && memchr(keys, 0, sizeof(keys)));
	runs(s, in.n);
	/* the encoded-marker helper takes a NUL-terminated string and any shift */
	for (size_t shift = 0; shift < 4; shift++) {
		size_t c = lc__base64_core(s, shift, core, sizeof(core));
		FUZZ_ASSERT(c < sizeof(core) && strlen(core) == c);
	}
	lc__keccak256(in.p, in.n, dg);
	free(s);
	return 0;
}
