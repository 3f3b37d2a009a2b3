/*
 * fuzz.h: what the libFuzzer harnesses of tests/fuzz share: a way to fail
 * loudly when a harness's own check finds a broken promise, a scratch file
 * for readers that only take a path, and, built with -DFUZZ_REPLAY, a main()
 * that replays saved inputs without libFuzzer.
 *
 * The replay main() is what keeps fixed crashes fixed: tests/e2e/
 * fuzz_regress.sh builds every harness with it under gcc's sanitizers and
 * runs it on each saved input, so the regression tests need neither clang
 * nor libFuzzer.
 */
#ifndef TEMPASS_FUZZ_H
#define TEMPASS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * A promise of the code under test that this input broke: abort() so that
 * libFuzzer saves the input and replay exits non-zero.
 */
#define FUZZ_CHECK(cond)						\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "%s:%d: fuzz check '%s' failed\n", \
				__FILE__, __LINE__, #cond);		\
			abort();					\
		}							\
	} while (0)

/* ==== A scratch file ==== */

static char fuzz_path[64];

static void fuzz_unlink(void)
{
	if (fuzz_path[0])
		unlink(fuzz_path);
}

/*
 * Writes data to this process's scratch file (created on first use with
 * the given suffix, removed at exit) and returns its path.
 */
__attribute__((unused))
static const char *fuzz_file(const uint8_t *data, size_t size,
			     const char *suffix)
{
	FILE *fp;

	if (!fuzz_path[0]) {
		const char *dir = getenv("TMPDIR");
		int fd;

		/* In memory where there is some: on disk, 7 times slower. */
		if (!dir || !*dir || strlen(dir) >= 32)
			dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" :
							      "/tmp";
		snprintf(fuzz_path, sizeof(fuzz_path),
			 "%s/tempass-fuzz-XXXXXX%s", dir, suffix);
		fd = mkstemps(fuzz_path, (int)strlen(suffix));
		if (fd < 0) {
			perror("fuzz: mkstemps");
			abort();
		}
		close(fd);
		atexit(fuzz_unlink);
	}
	fp = fopen(fuzz_path, "wb");
	if (!fp || (size && fwrite(data, 1, size, fp) != size) ||
	    fclose(fp) != 0) {
		perror("fuzz: cannot write the scratch file");
		abort();
	}
	return fuzz_path;
}

/* ==== Replay without libFuzzer ==== */

#ifdef FUZZ_REPLAY
#include <dirent.h>
#include <sys/stat.h>

/* Runs one input from an exactly sized buffer, so overreads show. */
static int fuzz_replay_file(const char *path)
{
	FILE *fp = fopen(path, "rb");
	uint8_t *buf;
	long n;

	if (!fp || fseek(fp, 0, SEEK_END) != 0 || (n = ftell(fp)) < 0 ||
	    fseek(fp, 0, SEEK_SET) != 0) {
		perror(path);
		if (fp)
			fclose(fp);
		return -1;
	}
	buf = malloc(n ? (size_t)n : 1);
	if (!buf || fread(buf, 1, (size_t)n, fp) != (size_t)n) {
		fprintf(stderr, "%s: cannot read\n", path);
		fclose(fp);
		free(buf);
		return -1;
	}
	fclose(fp);
	LLVMFuzzerTestOneInput(buf, (size_t)n);
	free(buf);
	printf("replayed %s\n", path);
	return 0;
}

/* Each argument is an input file or a folder of them (in name order). */
int main(int argc, char **argv)
{
	int rc = 0;

	for (int i = 1; i < argc; i++) {
		struct stat st;
		struct dirent **ents;
		int n;

		if (stat(argv[i], &st) != 0 || !S_ISDIR(st.st_mode)) {
			rc |= fuzz_replay_file(argv[i]) < 0;
			continue;
		}
		n = scandir(argv[i], &ents, NULL, alphasort);
		if (n < 0) {
			perror(argv[i]);
			rc = 1;
			continue;
		}
		for (int j = 0; j < n; j++) {
			char path[4096];

			snprintf(path, sizeof(path), "%s/%s", argv[i],
				 ents[j]->d_name);
			if (ents[j]->d_name[0] != '.' &&
			    stat(path, &st) == 0 && S_ISREG(st.st_mode))
				rc |= fuzz_replay_file(path) < 0;
			free(ents[j]);
		}
		free(ents);
	}
	return rc;
}
#endif

#endif
