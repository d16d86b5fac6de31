/*
 * names_bench.c
 *		Time the names core directly, without a server, on generated data
 *		that bench_names.sh feeds on stdin, one record per line with
 *		tab-separated fields: name_a, name_b, company, region, national_id.
 *		Prints ns per call (CPU time, best of three passes) for
 *		name_similarity(name_a, name_b), normalize_name, name_parts,
 *		normalize_company, company_key and national ID validation.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "company.h"
#include "name_similarity.h"
#include "names.h"
#include "national_id.h"

#define A (&ct_malloc_allocator)
#define FIELDS 5

typedef struct Field
{
	const char *s;
	size_t		len;
} Field;

static Field (*rows)[FIELDS];
static size_t nrows;
static volatile double sink;

static double
cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void
read_rows(void)
{
	size_t		cap = 1 << 16;
	char	   *line = NULL;
	size_t		linecap = 0;
	ssize_t		got;

	rows = malloc(cap * sizeof(*rows));
	while ((got = getline(&line, &linecap, stdin)) > 0)
	{
		char	   *p = strndup(line, got - (line[got - 1] == '\n'));

		if (nrows == cap)
			rows = realloc(rows, (cap *= 2) * sizeof(*rows));
		for (int f = 0; f < FIELDS; f++)
		{
			char	   *tab = strchr(p, '\t');

			rows[nrows][f].s = p;
			rows[nrows][f].len = tab ? (size_t) (tab - p) : strlen(p);
			p = tab ? tab + 1 : p + strlen(p);
		}
		nrows++;
	}
	free(line);
}

typedef void (*BenchFn) (size_t i);

static void
run(const char *label, BenchFn fn)
{
	double		best = 0;

	for (int pass = 0; pass < 3; pass++)
	{
		double		t0 = cpu_ns(),
					t;

		for (size_t i = 0; i < nrows; i++)
			fn(i);
		t = (cpu_ns() - t0) / nrows;
		if (pass == 0 || t < best)
			best = t;
	}
	printf("%-28s %8.0f ns per call (%zu calls, C core, CPU time)\n", label, best, nrows);
}

static void
bench_similarity(size_t i)
{
	sink += ct_name_similarity(rows[i][0].s, rows[i][0].len, rows[i][1].s, rows[i][1].len, A);
}

static void
bench_normalize_name(size_t i)
{
	size_t		n;

	free(ct_normalize_name(A, rows[i][0].s, rows[i][0].len, &n));
	sink += n;
}

static void
bench_name_parts(size_t i)
{
	CtNameParts p;

	ct_name_parts(A, rows[i][0].s, rows[i][0].len, &p);
	free(p.given_names);
	free(p.family_names);
	free(p.first_family);
	free(p.second_family);
	free(p.suffix);
}

static void
bench_normalize_company(size_t i)
{
	size_t		n;

	free(ct_normalize_company(A, rows[i][2].s, rows[i][2].len, &n));
	sink += n;
}

static void
bench_company_key(size_t i)
{
	size_t		n;

	free(ct_company_key(A, rows[i][2].s, rows[i][2].len, &n));
	sink += n;
}

static void
bench_national_id(size_t i)
{
	char		out[CT_NATIONAL_ID_MAX];
	char		country[3] = {0};

	if (rows[i][3].len != 2)
		return;
	memcpy(country, rows[i][3].s, 2);
	sink += ct_national_id_normalize(country, NULL, rows[i][4].s, rows[i][4].len, out, NULL) == NULL;
}

int
main(void)
{
	read_rows();
	if (nrows == 0)
	{
		fprintf(stderr, "names_bench: no input\n");
		return 1;
	}
	run("name_similarity", bench_similarity);
	run("normalize_name", bench_normalize_name);
	run("name_parts", bench_name_parts);
	run("normalize_company", bench_normalize_company);
	run("company_key", bench_company_key);
	run("national_id_normalize", bench_national_id);
	return 0;
}
