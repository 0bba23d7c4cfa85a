/*
 * replay — run a libFuzzer target over files without libFuzzer (gcc builds,
 * make check). Each argument is a file, or a directory whose regular files
 * are all replayed. Prints "replayed N" on stdout; a failing input aborts
 * (the target's checks) or trips the sanitizers in a SANITIZE build.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL, *nb;
	size_t len = 0, cap = 0, n;

	if (f == NULL) {
		fprintf(stdout, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	for (;;) {
		if (cap - len < 65536) {
			cap = cap ? cap * 2 : 65536;
			if ((nb = realloc(buf, cap)) == NULL) {
				fprintf(stdout, "replay: %s: out of memory\n", path);
				exit(70);
			}
			buf = nb;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		fprintf(stdout, "replay: %s: read error\n", path);
		fclose(f);
		free(buf);
		return -1;
	}
	fclose(f);
	/* Named first, so a failure's log ends with the input that caused it. */
	fprintf(stdout, "replay: %s\n", path);
	fflush(stdout);
	/* An exact-size copy, so the sanitizers see reads past the end. */
	nb = malloc(len ? len : 1);
	if (nb == NULL)
		exit(70);
	memcpy(nb, buf, len);
	free(buf);
	LLVMFuzzerTestOneInput(nb, len);
	free(nb);
	return 0;
}

static int
cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
main(int argc, char **argv)
{
	long count = 0;
	int i, bad = 0;
	struct stat st;

	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			DIR *d = opendir(argv[i]);
			struct dirent *e;
			char **names = NULL;
			size_t n = 0, k;

			if (d == NULL) {
				fprintf(stdout, "replay: %s: %s\n", argv[i], strerror(errno));
				bad = 1;
				continue;
			}
			while ((e = readdir(d)) != NULL) {
				if (e->d_name[0] == '.')
					continue;
				names = realloc(names, (n + 1) * sizeof *names);
				if (names == NULL || (names[n] = malloc(strlen(argv[i]) +
				    strlen(e->d_name) + 2)) == NULL)
					exit(70);
				sprintf(names[n++], "%s/%s", argv[i], e->d_name);
			}
			closedir(d);
			if (n > 0)
				qsort(names, n, sizeof *names, cmp);
			for (k = 0; k < n; k++) {
				if (stat(names[k], &st) == 0 && S_ISREG(st.st_mode)) {
					if (replay_file(names[k]) < 0)
						bad = 1;
					else
						count++;
				}
				free(names[k]);
			}
			free(names);
		} else if (replay_file(argv[i]) < 0)
			bad = 1;
		else
			count++;
	}
	fprintf(stdout, "replayed %ld\n", count);
	return bad;
}
