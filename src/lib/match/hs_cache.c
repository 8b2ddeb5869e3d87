/*
 * hs_cache.c - the on-disk cache of compiled matcher databases. Compiling hundreds of
 * expressions takes Hyperscan seconds; reading a serialized database takes milliseconds.
 * The file is keyed by a fingerprint of everything that shapes the database and written
 * atomically (temp + rename); a corrupt or foreign file is rebuilt. The payload carries no
 * checksum of ours: hs_deserialize_database checks Hyperscan's own CRC-32C of each
 * database's bytecode (and its header, version and platform), and a SHA-256 of the 3.6 MB
 * payload on top cost 2 ms of every start.
 */
#include "lc_private.h"
#include "match/hs_matcher_int.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

static const char cache_magic[8] = {'L', 'C', 'H', 'S', 'D', 'B', '2', 0};

typedef struct cache_hdr {
	char magic[8];
	uint8_t fingerprint[32];
	uint64_t len_all, len_bin;
} cache_hdr;

static void sha_update_str(EVP_MD_CTX *c, const char *s)
{
	uint64_t n = strlen(s);
	EVP_DigestUpdate(c, &n, sizeof(n)); /* length-prefixed: no two lists hash alike */
	EVP_DigestUpdate(c, s, n);
}

void lc__matcher_fingerprint(lc_matcher *m)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	hs_platform_info_t plat;
	unsigned len = 32;
	memset(m->fingerprint, 0, sizeof(m->fingerprint));
	if (!c)
		return;
	EVP_DigestInit_ex(c, EVP_sha256(), NULL);
	sha_update_str(c, "laocoon-matcher-v1");
	sha_update_str(c, hs_version());
	memset(&plat, 0, sizeof(plat));
	if (hs_populate_platform(&plat) == HS_SUCCESS)
		EVP_DigestUpdate(c, &plat, sizeof(plat));
	for (size_t i = 0; i < m->npats; i++) {
		const lc_mpat *p = &m->pats[i];
		uint32_t f = p->flags;
		sha_update_str(c, p->expr);
		EVP_DigestUpdate(c, &f, sizeof(f));
	}
	EVP_DigestFinal_ex(c, m->fingerprint, &len);
	EVP_MD_CTX_free(c);
}

/* The cache directory, or -1 when caching is off or no directory can be named. */
static int cache_file(lc_matcher *m, const lc_ctx *ctx, char *dir, size_t dirsz)
{
	char hex[65];
	int n;
	if (!ctx || ctx->no_cache || lc__cache_dir(ctx, dir, dirsz) != 0)
		return -1;
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", m->fingerprint[i]);
	n = snprintf(m->cache_path, sizeof(m->cache_path), "%s/matcher-%s.hsdb", dir, hex);
	if (n <= 0 || (size_t)n >= sizeof(m->cache_path)) {
		m->cache_path[0] = 0;
		return -1;
	}
	return 0;
}

void lc__matcher_db_free(hs_database_t *db, bool ours)
{
	if (db && ours)
		free(db);
	else if (db)
		hs_free_database(db);
}

/* A database read from the cache goes into memory of ours, 2 MiB-aligned and offered to
 * transparent huge pages: hs_deserialize_database zeroed and filled a fresh allocation a
 * 4 KiB page fault at a time (the biggest part of start-up), and the scan reads the
 * database at random, so fewer TLB entries help it too. Start-up 19.0 -> 16.3 ms. */
#define DB_HUGE_ALIGN (2u << 20)

static int db_load(const uint8_t *bytes, size_t len, hs_database_t **db)
{
	size_t need = 0;
	void *mem;
	*db = NULL;
	if (hs_serialized_database_size((const char *)bytes, len, &need) != HS_SUCCESS || need == 0 ||
	    need > (size_t)LC_MATCHER_MAX_CACHE_BYTES)
		return -1;
	need = (need + DB_HUGE_ALIGN - 1) / DB_HUGE_ALIGN * DB_HUGE_ALIGN;
	mem = aligned_alloc(DB_HUGE_ALIGN, need);
	if (!mem)
		return -1;
	(void)madvise(mem, need, MADV_HUGEPAGE);
	if (hs_deserialize_database_at((const char *)bytes, len, mem) != HS_SUCCESS) {
		free(mem);
		return -1;
	}
	*db = mem;
	return 0;
}

int lc__matcher_cache_load(lc_matcher *m, lc_ctx *ctx)
{
	int ret = -1;
	char dir[1024];
	uint8_t *data = NULL;
	size_t dlen = 0;
	cache_hdr h;
	hs_database_t *all = NULL, *bin = NULL;
	if (cache_file(m, ctx, dir, sizeof(dir)) != 0)
		goto out;
	data = lc__cache_file_read(m->cache_path, sizeof(h) - 1, LC_MATCHER_MAX_CACHE_BYTES, &dlen);
	if (!data)
		goto out;
	memcpy(&h, data, sizeof(h));
	if (memcmp(h.magic, cache_magic, sizeof(cache_magic)) != 0 ||
	    memcmp(h.fingerprint, m->fingerprint, 32) != 0 || h.len_all == 0 ||
	    h.len_all > (uint64_t)dlen || h.len_bin > (uint64_t)dlen ||
	    sizeof(h) + h.len_all + h.len_bin != (uint64_t)dlen)
		goto out;
	if (db_load(data + sizeof(h), (size_t)h.len_all, &all) != 0)
		goto out;
	if (h.len_bin && db_load(data + sizeof(h) + h.len_all, (size_t)h.len_bin, &bin) != 0)
		goto out;
	m->db_all = all;
	m->db_bin = bin;
	m->db_ours = true;
	all = bin = NULL;
	m->from_cache = true;
	ret = 0;
	/* used now: `cache prune --older-than` goes by this */
	(void)utimensat(AT_FDCWD, m->cache_path, NULL, 0);
out:
	lc__matcher_db_free(all, true);
	lc__matcher_db_free(bin, true);
	lc__cache_file_release(data, dlen);
	return ret;
}

void lc__matcher_cache_store(lc_matcher *m, lc_ctx *ctx)
{
	char dir[1024];
	char *sa = NULL, *sb = NULL;
	size_t la = 0, lb = 0;
	cache_hdr h;
	if (!m->db_all || cache_file(m, ctx, dir, sizeof(dir)) != 0)
		goto out;
	if (hs_serialize_database(m->db_all, &sa, &la) != HS_SUCCESS)
		goto out;
	if (m->db_bin && hs_serialize_database(m->db_bin, &sb, &lb) != HS_SUCCESS)
		goto out;
	if ((long long)(la + lb) > LC_MATCHER_MAX_CACHE_BYTES)
		goto out;
	memset(&h, 0, sizeof(h));
	memcpy(h.magic, cache_magic, sizeof(cache_magic));
	memcpy(h.fingerprint, m->fingerprint, 32);
	h.len_all = la;
	h.len_bin = lb;
	{
		struct iovec parts[] = {{&h, sizeof(h)}, {sa, la}, {sb, lb}};
		(void)lc__cache_file_write(dir, m->cache_path, parts, 3);
	}
out:
	free(sa); /* hs_serialize_database uses the default allocator (malloc) */
	free(sb);
}
