/*
 * replay_main.c - a main() for the harnesses in ordinary builds: run every file given
 * (or every file in a given directory) through LLVMFuzzerTestOneInput once. This is how
 * `make check` replays the corpora and every crash kept as a regression, with gcc and
 * with ASan+UBSan, without libFuzzer. Prints TAP: one test per directory.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0;
	for (;;) {
		if (len == cap) {
			cap = cap ? cap * 2 : 65536;
			uint8_t *nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				fclose(f);
				return -1;
			}
			buf = nb;
		}
		size_t n = fread(buf + len, 1, cap - len, f);
		if (n == 0)
			break;
		len += n;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf ? buf : (const uint8_t *)"", len);
	free(buf);
	return 0;
}

int main(int argc, char **argv)
{
	int n = 0, failed = 0;
	for (int i = 1; i < argc; i++) {
		struct stat st;
		size_t files = 0;
		if (stat(argv[i], &st) != 0) {
			printf("ok %d - %s # SKIP absent\n", ++n, argv[i]);
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			DIR *d = opendir(argv[i]);
			struct dirent *de;
			int bad = 0;
			while (d && (de = readdir(d))) {
				char p[4096];
				if (de->d_name[0] == '.')
					continue;
				snprintf(p, sizeof(p), "%s/%s", argv[i], de->d_name);
				if (run_file(p) != 0)
					bad++;
				files++;
			}
			if (d)
				closedir(d);
			printf("%s %d - replay %s (%zu inputs)\n", bad ? "not ok" : "ok", ++n, argv[i],
			       files);
			failed += bad != 0;
		} else {
			int r = run_file(argv[i]);
			printf("%s %d - replay %s\n", r ? "not ok" : "ok", ++n, argv[i]);
			failed += r != 0;
		}
		fflush(stdout);
	}
	printf("1..%d\n", n);
	return failed ? 1 : 0;
}
