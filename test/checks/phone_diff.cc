/*
 * phone_diff.cc
 *		Differential test of the phone engine against libphonenumber.
 *
 * The engine is linked with tables generated from the same metadata as the
 * installed library (PhoneNumberMetadata-8.12.57.xml from ../shared/data,
 * generated at test time into test/build/checks/phone_metadata_8_12_57.c,
 * which also carries every territory's example numbers).  Each example number is written in the forms people use
 * (E.164, international with spaces or dashes, national, with parentheses or
 * dots, with "00"/"011", with an extension, tel: URIs, fullwidth digits) and
 * is varied into near misses (a digit added, dropped or changed, the wrong
 * default region); hand-written inputs and fixed-seed random ones (pieces of
 * phone text, and example numbers behind random prefixes, separators and
 * suffixes) follow.  Both sides parse every case; the parse outcome, country
 * code, national number, extension, possible, valid, type, region, E164,
 * INTERNATIONAL, NATIONAL and RFC3966 must agree.  One deliberate
 * difference is normalised away: extension digits are stored as ASCII.
 *
 *		phone_diff [SHOW [RANDOM]]
 *
 * Output: agreement figures, the first SHOW disagreements with the field
 * that differs, then "phone_diff: N passed, N failed" over the target
 * assertions (a corpus of 10,000+ example forms, 100% agreement on them,
 * >= 99.9% overall).
 */
#include <phonenumbers/phonenumberutil.h>
#include <phonenumbers/phonenumber.pb.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "phone.h"
#include "phone_tables.h"
#include "phone_corpus.h"

using i18n::phonenumbers::PhoneNumberUtil;

struct Outcome
{
	std::string error;
	std::string fields[11];
};

static const char *const field_names[11] = {
	"country_code", "nsn", "extension", "possible", "valid", "type", "region",
	"E164", "INTERNATIONAL", "NATIONAL", "RFC3966"
};

static const char *
ref_error(PhoneNumberUtil::ErrorType e)
{
	switch (e)
	{
		case PhoneNumberUtil::NO_PARSING_ERROR:
			return "";
		case PhoneNumberUtil::INVALID_COUNTRY_CODE_ERROR:
			return "INVALID_COUNTRY_CODE";
		case PhoneNumberUtil::NOT_A_NUMBER:
			return "NOT_A_NUMBER";
		case PhoneNumberUtil::TOO_SHORT_AFTER_IDD:
		case PhoneNumberUtil::TOO_SHORT_NSN:
			return "TOO_SHORT";
		case PhoneNumberUtil::TOO_LONG_NSN:
			return "TOO_LONG";
	}
	return "?";
}

static Outcome
reference(const PhoneNumberUtil *u, const Case &c)
{
	Outcome		o;
	i18n::phonenumbers::PhoneNumber pn;
	std::string s;

	o.error = ref_error(u->Parse(c.input, c.region, &pn));
	if (!o.error.empty())
		return o;
	/*
	 * Deliberate difference: the engine stores extension digits as ASCII,
	 * libphonenumber keeps them as typed ("x１２").  Compare normalised.
	 */
	if (pn.has_extension())
	{
		std::string ext = pn.extension();

		u->NormalizeDigitsOnly(&ext);
		pn.set_extension(ext);
	}
	o.fields[0] = std::to_string(pn.country_code());
	u->GetNationalSignificantNumber(pn, &s);
	o.fields[1] = s;
	o.fields[2] = pn.extension();
	o.fields[3] = u->IsPossibleNumber(pn) ? "t" : "f";
	o.fields[4] = u->IsValidNumber(pn) ? "t" : "f";
	o.fields[5] = ct_phone_type_name((PhoneType) u->GetNumberType(pn));
	u->GetRegionCodeForNumber(pn, &s);
	o.fields[6] = s;
	u->Format(pn, PhoneNumberUtil::E164, &s);
	o.fields[7] = s;
	u->Format(pn, PhoneNumberUtil::INTERNATIONAL, &s);
	o.fields[8] = s;
	u->Format(pn, PhoneNumberUtil::NATIONAL, &s);
	o.fields[9] = s;
	u->Format(pn, PhoneNumberUtil::RFC3966, &s);
	o.fields[10] = s;
	return o;
}

static Outcome
ours(const Case &c)
{
	Outcome		o;
	PhoneNumber num;
	const CtReason *r;
	char		buf[PHONE_FORMAT_BUFSIZE];
	static const PhoneFormat formats[4] = {
		PHONE_FORMAT_E164, PHONE_FORMAT_INTERNATIONAL, PHONE_FORMAT_NATIONAL,
		PHONE_FORMAT_RFC3966
	};

	r = ct_phone_parse(c.input.data(), c.input.size(), c.region.data(),
					c.region.size(), &num);
	if (r != NULL)
	{
		o.error = r->code;
		return o;
	}
	o.fields[0] = std::to_string(num.country_code);
	ct_phone_national_significant_number(&num, buf);
	o.fields[1] = buf;
	o.fields[2] = num.extension;
	o.fields[3] = ct_phone_is_possible(&num) ? "t" : "f";
	o.fields[4] = ct_phone_is_valid(&num) ? "t" : "f";
	o.fields[5] = ct_phone_type_name(ct_phone_type(&num));
	o.fields[6] = ct_phone_region(&num);
	for (int i = 0; i < 4; i++)
	{
		ct_phone_format(&num, formats[i], buf, sizeof(buf));
		o.fields[7 + i] = buf;
	}
	return o;
}

/* A fixed-seed generator, so runs are comparable. */
static unsigned
next_random(unsigned long long *state, unsigned bound)
{
	*state = *state * 6364136223846793005ULL + 1442695040888963407ULL;
	return (unsigned) ((*state >> 33) % bound);
}

#define PICK(arr) (arr[next_random(&state, sizeof(arr) / sizeof(arr[0]))])

/*
 * Random inputs, half assembled from the pieces numbers are written with
 * (probing the text handling), half number-shaped: an example number, maybe
 * with a digit edited, behind a random prefix (national, international,
 * calling code), with random separators and suffix, for a random region.
 */
static void
add_random(std::vector<Case> &cases, int count)
{
	static const char *const pieces[] = {
		"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "00", "011", "15",
		"+", "+1", "+44", "+54 9", "+39 0", " ", "-", ".", "(", ")", "/", "x",
		" ext. ", ";ext=", "#", ",,", "tel:", ";phone-context=+1", "*",
		"abc", "FLOWERS", "\xEF\xBC\x91", "\xD9\xA3", "\xE2\x80\x93", "\xC2\xA0", " x ",
		"ext", "int", ";", ":", "0800", "9", "  ", "0054", "+5491", "044", "045",
		"01", "02", "06", "8", "810", "0011", "001", "+7", "+262", "+590", "+800",
		"\\", "tel:+", ";isub=", "(0)", "extension", "anexo",
		"\xD0\xB4\xD0\xBE\xD0\xB1", "X", "EXT", "\xEF\xBD\x85\xEF\xBD\x98\xEF\xBD\x94",
	};
	static const char *const prefixes[] = {
		"", "", "0", "+", "00", "011", "8", "810", "(0)", "15", "9", "1", "0 ",
		"+0", "00 0", "0011", "+ ", "++",
	};
	static const char *const separators[] = {"", "", "", " ", "-", ".", "/", ") ", " ("};
	static const char *const suffixes[] = {
		"", "", "", " ext. 12", " x3", "#", ";ext=9", " - 503#", ",,7", " (home)",
	};
	static const char *const regions[] = {
		"US", "GB", "AR", "MX", "BR", "DE", "IT", "FR", "IN", "CN", "JP", "RU",
		"AU", "ES", "CO", "CL", "UY", "NZ", "KR", "ZZ", "001", "XX"
	};
	std::vector<const PhoneExample *> examples;
	unsigned long long state = 0x9E3779B97F4A7C15ULL;

	for (const PhoneExample *ex = ct_phone_examples; ex->region; ex++)
		examples.push_back(ex);
	for (int i = 0; i < count; i++)
	{
		std::string s;
		std::string region = PICK(regions);

		if (i % 2 == 0)
		{
			int			n = 1 + (int) next_random(&state, 14);

			for (int k = 0; k < n; k++)
				s += PICK(pieces);
		}
		else
		{
			const PhoneExample *ex = examples[next_random(&state, (unsigned) examples.size())];
			std::string nsn = ex->number;
			unsigned	edit = next_random(&state, 6);
			size_t		at = next_random(&state, (unsigned) nsn.size());
			unsigned	p = next_random(&state, 4);

			if (edit == 0)
				nsn.insert(at, 1, (char) ('0' + next_random(&state, 10)));
			else if (edit == 1 && nsn.size() > 1)
				nsn.erase(at, 1);
			else if (edit == 2)
				nsn[at] = (char) ('0' + next_random(&state, 10));
			if (p == 0)
				s = PICK(prefixes);
			else if (p == 1)
			{
				int			cc = ct_phone_country_code_for_region(ex->region, strlen(ex->region));

				s = std::string(PICK(prefixes)) + (cc ? std::to_string(cc) : "800") + " ";
			}
			for (char ch : nsn)
			{
				if (next_random(&state, 4) == 0)
					s += PICK(separators);
				s += ch;
			}
			s += PICK(suffixes);
			if (next_random(&state, 2) == 0 && strcmp(ex->region, "001") != 0)
				region = ex->region;
		}
		cases.push_back({s, region, false});
	}
}

int
main(int argc, char **argv)
{
	const PhoneNumberUtil *u = PhoneNumberUtil::GetInstance();
	std::vector<Case> cases;
	long		show = argc > 1 ? atol(argv[1]) : 40;
	long		n_ex = 0,
				ok_ex = 0,
				n_all = 0,
				ok_all = 0,
				shown = 0,
				n_parsed = 0,
				n_valid = 0,
				n_ext = 0;

	phone_corpus(u, cases);
	add_random(cases, argc > 2 ? atoi(argv[2]) : 30000);

	for (const Case &c : cases)
	{
		Outcome		a = ours(c);
		Outcome		b = reference(u, c);
		std::string cause;

		if (a.error != b.error)
			cause = "parse: ours " + (a.error.empty() ? "OK" : a.error) + ", libphonenumber " +
				(b.error.empty() ? "OK" : b.error);
		else if (a.error.empty())
			for (int i = 0; i < 11; i++)
				if (a.fields[i] != b.fields[i])
				{
					cause = std::string(field_names[i]) + ": ours \"" + a.fields[i] +
						"\", libphonenumber \"" + b.fields[i] + "\"";
					break;
				}
		n_all++;
		if (b.error.empty())
		{
			n_parsed++;
			n_valid += b.fields[4] == "t";
			n_ext += !b.fields[2].empty();
		}
		if (c.example)
			n_ex++;
		if (cause.empty())
		{
			ok_all++;
			if (c.example)
				ok_ex++;
		}
		else if (shown++ < show)
			printf("  DIFF %s[%s] %s -> %s\n", c.example ? "example " : "",
				   c.region.c_str(), c.input.c_str(), cause.c_str());
	}

	double		pct_ex = n_ex ? 100.0 * ok_ex / n_ex : 0;
	double		pct_all = n_all ? 100.0 * ok_all / n_all : 0;
	int			passed = 0,
				failed = 0;

	printf("metadata: %s\n", ct_phone_metadata_version());
	printf("cases: %ld (libphonenumber: %ld parse, %ld valid, %ld with extension)\n",
		   n_all, n_parsed, n_valid, n_ext);
	printf("example numbers: %ld/%ld agree (%.3f%%)\n", ok_ex, n_ex, pct_ex);
	printf("overall (examples + near misses + hand-written + random): %ld/%ld agree (%.3f%%)\n",
		   ok_all, n_all, pct_all);
	/* the corpus must cover every territory's examples: 1000+ of them, many forms each */
	(n_ex >= 10000 ? passed : failed)++;
	(ok_ex == n_ex ? passed : failed)++;
	(ok_all * 1000 >= n_all * 999 ? passed : failed)++;
	if (shown > show)
		printf("(%ld more disagreements not listed)\n", shown - show);
	printf("phone_diff: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
