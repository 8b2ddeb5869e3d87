/* fuzz_hashdb.c - known-bad hash lists (--hash-db): ClamAV .hsb/.hdb `HASH:SIZE:NAME`
 * lines (SIZE may be `*`, extra :FLEVEL fields), plain lists of one MD5/SHA-1/SHA-256 a
 * line, sha256sum output ("HASH  file"). The input is read as one or two lists into one
 * database; after finish, every entry must be found again with its own size, the size
 * index must agree with the entries, and a few digests taken from the input are looked
 * up the way the hashes detector does for each file. */
#include "fuzz_common.h"

static void check_db(const lc_hashdb *db)
{
	for (size_t i = 0; i < db->n; i++) {
		const lc_hash_entry *e = &db->v[i];
		FUZZ_ASSERT(e->dlen == 16 || e->dlen == 20 || e->dlen == 32);
		FUZZ_ASSERT(e->name < db->names.n && e->source < db->sources.n);
		int64_t size = e->size >= 0 ? e->size : 12345;
		const lc_hash_entry *hit = lc__hashdb_lookup(db, e->digest, e->dlen, size);
		FUZZ_ASSERT(hit && hit->dlen == e->dlen && !memcmp(hit->digest, e->digest, e->dlen));
		FUZZ_ASSERT(hit->size < 0 || hit->size == size);
		FUZZ_ASSERT(lc__hashdb_wants_size(db, size));
	}
	for (size_t i = 1; i < db->nsizes; i++)
		FUZZ_ASSERT(db->sizes[i - 1] < db->sizes[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = {"main.hsb", "main.hdb", "list.sha256", NULL};
	fuzz_in in = {data, size};
	unsigned mode = fuzz_byte(&in);
	lc_hashdb db;
	char err[256];
	memset(&db, 0, sizeof(db));
	/* two lists: the whole input, then (mode bit 2) its second half again under
	 * another name, as two --hash-db options would be */
	lc_code rc = lc__hashdb_parse(&db, (const char *)in.p, in.n, names[mode & 3], err,
				      sizeof(err));
	FUZZ_ASSERT(rc == LC_OK || rc == LC_EUSAGE);
	FUZZ_ASSERT(memchr(err, 0, sizeof(err)));
	if (mode & 4)
		(void)lc__hashdb_parse(&db, (const char *)in.p + in.n / 2, in.n - in.n / 2,
				       names[(mode >> 3) & 3], err, sizeof(err));
	lc__hashdb_finish(&db);
	check_db(&db);
	/* digests as the scan computes them: raw bytes from the input, every length */
	for (size_t off = 0; off + 32 <= in.n && off < 4096; off += 29) {
		(void)lc__hashdb_lookup(&db, in.p + off, 16, (int64_t)off);
		(void)lc__hashdb_lookup(&db, in.p + off, 20, -1);
		(void)lc__hashdb_lookup(&db, in.p + off, 32, (int64_t)in.n);
	}
	(void)lc__hashdb_lookup(&db, in.p, in.n < 32 ? in.n : 33, 0); /* a length it never has */
	(void)lc__hashdb_wants_size(&db, INT64_MAX);
	(void)lc__hashdb_wants_size(&db, -1);
	if (mode & 0x80) { /* finish again after a later list */
		lc__hashdb_finish(&db);
		check_db(&db);
	}
	lc__hashdb_free(&db);
	return 0;
}
