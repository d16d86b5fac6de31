/*
 * bench_email_core.c
 *		Time the email core without a server: nanoseconds per call of
 *		ct_email_check() by kind of address, of ct_email_normalize(), of
 *		ct_email_compare(), and of a disposable-list lookup.
 *
 *		make -C test bench-email && test/build/plain/bench_email_core
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "email.h"

static double
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

#define ITER 2000000

static volatile size_t sink;

static void
bench_check(const char *label, const char *addr, EmailIdna *idna)
{
	size_t		len = strlen(addr);
	double		t0 = now_ns();

	for (int i = 0; i < ITER; i++)
		sink += ct_email_check(addr, len, EMAIL_PROFILE_MAILBOX, idna) == NULL;
	printf("%-40s %8.1f ns\n", label, (now_ns() - t0) / ITER);
}

int
main(void)
{
	EmailIdna  *idna = ct_email_idna_open(&ct_malloc_allocator);
	char		buf[EMAIL_BUF_SIZE];
	EmailParts	parts;
	double		t0;

	bench_check("check ascii valid", "Maria.Garcia123@empresa42.com.ar", idna);
	bench_check("check ascii invalid (hyphen label)", "maria.garcia123@-empresa42.com", idna);
	bench_check("check latin-1 local (no NFC call)", "josé.garcía123@empresa42.com", idna);
	bench_check("check local needing NFC", "jose\xcc\x81.garcia@empresa42.com", idna);
	bench_check("check IDN domain (cached in the handle)", "ana@bücher.de", idna);
	bench_check("check punycode domain (cached)", "ana@xn--bcher-kva.de", idna);

	/* 128 distinct domains through 64 cache slots: mostly misses, i.e. ICU. */
	{
		char		addrs[128][32];

		for (int i = 0; i < 128; i++)
			snprintf(addrs[i], sizeof(addrs[i]), "ana@bücher%d.de", i);
		t0 = now_ns();
		for (int i = 0; i < ITER / 10; i++)
			sink += ct_email_check(addrs[i % 128], strlen(addrs[i % 128]), EMAIL_PROFILE_MAILBOX, idna) == NULL;
		printf("%-40s %8.1f ns\n", "check IDN domain (cache miss, ICU)", (now_ns() - t0) / (ITER / 10));
	}

	t0 = now_ns();
	for (int i = 0; i < ITER / 10; i++)
		sink += ct_email_check("ana@bücher.de", strlen("ana@bücher.de"), EMAIL_PROFILE_MAILBOX, NULL) == NULL;
	printf("%-40s %8.1f ns\n", "check IDN domain (no handle: ICU per call)", (now_ns() - t0) / (ITER / 10));

	t0 = now_ns();
	for (int i = 0; i < ITER; i++)
		sink += ct_email_normalize("Maria.Garcia123@Empresa42.COM", 29, EMAIL_PROFILE_MAILBOX, idna,
								buf, &parts) == NULL;
	printf("%-40s %8.1f ns\n", "normalize ascii", (now_ns() - t0) / ITER);

	t0 = now_ns();
	for (int i = 0; i < ITER; i++)
		sink += (size_t) ct_email_compare("Maria.Garcia123@empresa42.com", 29,
									   "maria.garcia124@empresa42.com", 29);
	printf("%-40s %8.1f ns\n", "compare ascii", (now_ns() - t0) / ITER);

	t0 = now_ns();
	for (int i = 0; i < ITER; i++)
		sink += (size_t) ct_email_compare("José@x.com", strlen("José@x.com"), "josé@x.com",
									   strlen("josé@x.com"));
	printf("%-40s %8.1f ns\n", "compare non-ascii (folded)", (now_ns() - t0) / ITER);

	t0 = now_ns();
	for (int i = 0; i < ITER; i++)
		sink += ct_email_list_disposable("notdisposable-example.com", 25);
	printf("%-40s %8.1f ns\n", "disposable lookup (8335, bisection)", (now_ns() - t0) / ITER);

	ct_email_idna_close(idna, &ct_malloc_allocator);
	return 0;
}
