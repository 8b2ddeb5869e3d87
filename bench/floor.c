/*
 * floor.c - the floor of the issue-6 benchmark: what any verifying image reader must do.
 *
 *   floor [-j N] BLOB...
 *
 * For each layer blob: SHA-256 of the compressed bytes as they are read, decompression
 * (gzip through ISA-L's igzip inflater, zstd through libzstd, anything else taken as an
 * uncompressed tar), SHA-256 of the decompressed stream (the diff_id). Prints, per blob,
 * "digest diff_id bytes_in bytes_out". -j N: N threads, one blob each at a time (layers in
 * parallel, like `laocoon scan --parallel N`); default 1 (layers one after the other).
 * Nothing else: no tar walk, no file index, no detector.
 *
 * Build: cc -O2 -o floor floor.c -lisal -lzstd -lcrypto -lpthread
 * (bench/bench.sh does this). Not part of the laocoon build.
 */
#include <errno.h>
#include <fcntl.h>
#include <isa-l/igzip_lib.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>

#define INBUF (1u << 20)
#define OUTBUF (1u << 20)

static char **blobs;
static int nblobs;
static atomic_int next_blob;
static char (*lines)[256];

static void hex(const unsigned char *d, unsigned n, char *out)
{
	for (unsigned i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
}

static int do_blob(const char *path, char *line)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0) {
		fprintf(stderr, "floor: %s: %s\n", path, strerror(errno));
		return 1;
	}
	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	unsigned char *in = malloc(INBUF), *out = malloc(OUTBUF);
	EVP_MD_CTX *hc = EVP_MD_CTX_new(), *hd = EVP_MD_CTX_new();
	EVP_DigestInit_ex(hc, EVP_sha256(), NULL);
	EVP_DigestInit_ex(hd, EVP_sha256(), NULL);
	struct inflate_state *gz = NULL;
	ZSTD_DCtx *zs = NULL;
	int kind = -1; /* 0 raw, 1 gzip, 2 zstd */
	uint64_t nin = 0, nout = 0;
	int rc = 0;
	for (;;) {
		ssize_t n = read(fd, in, INBUF);
		if (n < 0) {
			fprintf(stderr, "floor: %s: %s\n", path, strerror(errno));
			rc = 1;
			break;
		}
		if (n == 0)
			break;
		nin += (uint64_t)n;
		EVP_DigestUpdate(hc, in, (size_t)n);
		if (kind < 0) {
			if (n >= 2 && in[0] == 0x1f && in[1] == 0x8b) {
				kind = 1;
				gz = malloc(sizeof *gz);
				isal_inflate_init(gz);
				gz->crc_flag = ISAL_GZIP;
			} else if (n >= 4 && in[0] == 0x28 && in[1] == 0xb5 && in[2] == 0x2f &&
				   in[3] == 0xfd) {
				kind = 2;
				zs = ZSTD_createDCtx();
			} else {
				kind = 0;
			}
		}
		if (kind == 0) {
			EVP_DigestUpdate(hd, in, (size_t)n);
			nout += (uint64_t)n;
		} else if (kind == 1) {
			gz->next_in = in;
			gz->avail_in = (uint32_t)n;
			while (gz->avail_in > 0 || gz->block_state != ISAL_BLOCK_FINISH) {
				gz->next_out = out;
				gz->avail_out = OUTBUF;
				int ret = isal_inflate(gz);
				if (ret != ISAL_DECOMP_OK) {
					fprintf(stderr, "floor: %s: inflate error %d\n", path, ret);
					rc = 1;
					goto done;
				}
				size_t got = OUTBUF - gz->avail_out;
				EVP_DigestUpdate(hd, out, got);
				nout += got;
				if (gz->block_state == ISAL_BLOCK_FINISH) {
					if (gz->avail_in == 0)
						break;
					/* another gzip member follows */
					uint8_t *ni = gz->next_in;
					uint32_t na = gz->avail_in;
					isal_inflate_reset(gz);
					gz->crc_flag = ISAL_GZIP;
					gz->next_in = ni;
					gz->avail_in = na;
				} else if (gz->avail_in == 0 && got == 0) {
					break;
				}
			}
		} else {
			ZSTD_inBuffer ib = {in, (size_t)n, 0};
			while (ib.pos < ib.size) {
				ZSTD_outBuffer ob = {out, OUTBUF, 0};
				size_t r = ZSTD_decompressStream(zs, &ob, &ib);
				if (ZSTD_isError(r)) {
					fprintf(stderr, "floor: %s: %s\n", path, ZSTD_getErrorName(r));
					rc = 1;
					goto done;
				}
				EVP_DigestUpdate(hd, out, ob.pos);
				nout += ob.pos;
			}
		}
	}
done:;
	unsigned char d1[32], d2[32];
	char h1[65], h2[65];
	EVP_DigestFinal_ex(hc, d1, NULL);
	EVP_DigestFinal_ex(hd, d2, NULL);
	hex(d1, 32, h1);
	hex(d2, 32, h2);
	snprintf(line, 256, "sha256:%s sha256:%s %llu %llu", h1, h2, (unsigned long long)nin,
		 (unsigned long long)nout);
	EVP_MD_CTX_free(hc);
	EVP_MD_CTX_free(hd);
	free(gz);
	ZSTD_freeDCtx(zs);
	free(in);
	free(out);
	close(fd);
	return rc;
}

static void *worker(void *arg)
{
	int *rc = arg;
	for (;;) {
		int i = atomic_fetch_add(&next_blob, 1);
		if (i >= nblobs)
			break;
		*rc |= do_blob(blobs[i], lines[i]);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	int jobs = 1, a = 1;
	if (a + 1 < argc && strcmp(argv[a], "-j") == 0) {
		jobs = atoi(argv[a + 1]);
		a += 2;
	}
	if (a >= argc || jobs < 1) {
		fprintf(stderr, "usage: floor [-j N] BLOB...\n");
		return 2;
	}
	blobs = argv + a;
	nblobs = argc - a;
	lines = calloc((size_t)nblobs, sizeof *lines);
	if (jobs > nblobs)
		jobs = nblobs;
	pthread_t th[64];
	int rcs[64] = {0};
	if (jobs > 64)
		jobs = 64;
	for (int t = 1; t < jobs; t++)
		pthread_create(&th[t], NULL, worker, &rcs[t]);
	worker(&rcs[0]);
	int rc = rcs[0];
	for (int t = 1; t < jobs; t++) {
		pthread_join(th[t], NULL);
		rc |= rcs[t];
	}
	for (int i = 0; i < nblobs; i++)
		printf("%s %s\n", lines[i], blobs[i]);
	return rc;
}
