/*
 * phone_bench.cc
 *		The phone engine against libphonenumber 8.12.57, in C, single thread:
 *		parse + isValid + format E164 over the differential test's corpus
 *		(test/checks/phone_corpus.h: every territory's example numbers in the
 *		forms people write them, and near misses).  The engine uses tables
 *		generated from the same metadata as the library.
 *
 *		phone_bench [RUNS [CASES]]
 *
 * After one unmeasured pass (libphonenumber compiles its regular expressions
 * on first use), prints each side's median time per number over RUNS runs
 * and the ratio.
 */
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

#include "phone.h"
#include "phone_corpus.h"

static double
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static double
median(std::vector<double> v)
{
	std::sort(v.begin(), v.end());
	size_t		n = v.size();

	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int
main(int argc, char **argv)
{
	const lpn::PhoneNumberUtil *u = lpn::PhoneNumberUtil::GetInstance();
	int			runs = argc > 1 ? atoi(argv[1]) : 5;
	size_t		limit = argc > 2 ? (size_t) atol(argv[2]) : 0;
	std::vector<Case> cases;
	std::vector<double> ours_ns,
				peer_ns;
	unsigned long long ours_sum = 0,
				peer_sum = 0;
	long		ours_valid = 0,
				peer_valid = 0;

	phone_corpus(u, cases);
	if (limit > 0 && cases.size() > limit)
		cases.resize(limit);
	if (runs < 1)
		runs = 1;

	/* warm-up: libphonenumber compiles and caches its regular expressions */
	for (const Case &c : cases)
	{
		lpn::PhoneNumber pn;

		u->Parse(c.input, c.region, &pn);
	}

	for (int r = 0; r < runs; r++)
	{
		double		t0 = now_ns();

		for (const Case &c : cases)
		{
			lpn::PhoneNumber pn;
			std::string e164;

			if (u->Parse(c.input, c.region, &pn) != lpn::PhoneNumberUtil::NO_PARSING_ERROR)
				continue;
			peer_valid += u->IsValidNumber(pn);
			u->Format(pn, lpn::PhoneNumberUtil::E164, &e164);
			peer_sum += e164.size();
		}
		double		t1 = now_ns();

		for (const Case &c : cases)
		{
			PhoneNumber num;
			char		e164[PHONE_FORMAT_BUFSIZE];

			if (ct_phone_parse(c.input.data(), c.input.size(), c.region.data(),
							c.region.size(), &num) != NULL)
				continue;
			ours_valid += ct_phone_is_valid(&num);
			ours_sum += ct_phone_format(&num, PHONE_FORMAT_E164, e164, sizeof(e164));
		}
		double		t2 = now_ns();

		peer_ns.push_back((t1 - t0) / cases.size());
		ours_ns.push_back((t2 - t1) / cases.size());
	}

	double		o = median(ours_ns);
	double		p = median(peer_ns);

	printf("phone core: parse + isValid + format E164, %zu numbers, median of %d runs\n",
		   cases.size(), runs);
	printf("  libphonenumber 8.12.57  %9.1f ns/number  (%.0f numbers/s)\n", p, 1e9 / p);
	printf("  contacts engine         %9.1f ns/number  (%.0f numbers/s)\n", o, 1e9 / o);
	printf("  speedup x%.2f\n", p / o);
	/* both sides must have done the same work */
	if (ours_valid != peer_valid || ours_sum != peer_sum)
	{
		printf("  MISMATCH: valid %ld vs %ld, E164 bytes %llu vs %llu\n",
			   ours_valid, peer_valid, ours_sum, peer_sum);
		return 2;
	}
	return 0;
}
