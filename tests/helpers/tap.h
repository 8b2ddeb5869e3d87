/*
 * tap.h - minimal TAP producer for C unit tests (meson runs them with protocol 'tap',
 * so every assertion group counts as one test in the totals).
 */
#ifndef LC_TAP_H
#define LC_TAP_H
#include <stdio.h>

static int tap_n, tap_failed;

#define TAP_OK(cond, ...)                                                            \
	do {                                                                         \
		int tap_c_ = !!(cond);                                               \
		tap_n++;                                                             \
		if (!tap_c_)                                                         \
			tap_failed++;                                                \
		printf("%s %d - ", tap_c_ ? "ok" : "not ok", tap_n);                 \
		printf(__VA_ARGS__);                                                 \
		printf("\n");                                                        \
		if (!tap_c_)                                                         \
			printf("# failed at %s:%d: %s\n", __FILE__, __LINE__, #cond);  \
	} while (0)

/* Call last in main: prints the plan, returns the exit status. */
static inline int tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}
#endif
