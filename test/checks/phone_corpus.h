/*
 * phone_corpus.h
 *		The corpus shared by the phone differential test (test/checks) and the
 *		phone benchmark (test/bench): every territory's example number
 *		(ct_phone_examples[] of the test tables) written in the forms people
 *		use, near misses of each, and hand-written inputs.  The forms are
 *		produced with libphonenumber's own formatting, so both programs link
 *		it.
 */
#ifndef PHONE_CORPUS_H
#define PHONE_CORPUS_H

#include <phonenumbers/phonenumberutil.h>
#include <phonenumbers/phonenumber.pb.h>

#include <cstring>
#include <string>
#include <vector>

#include "phone_tables.h"

namespace lpn = i18n::phonenumbers;

struct Case
{
	std::string input;
	std::string region;			/* default region */
	bool		example;		/* an example number (not a near miss) */
};

/* Replace every occurrence of from by to. */
static inline std::string
replace_all(std::string s, const std::string &from, const std::string &to)
{
	for (size_t p = 0; (p = s.find(from, p)) != std::string::npos; p += to.size())
		s.replace(p, from.size(), to);
	return s;
}

static inline std::string
fullwidth(const std::string &digits)
{
	std::string out;

	for (char ch : digits)
	{
		if (ch >= '0' && ch <= '9')
		{
			/* U+FF10 + d in UTF-8: EF BC 90+d */
			out += "\xEF\xBC";
			out += (char) (0x90 + (ch - '0'));
		}
		else
			out += ch;
	}
	return out;
}

/* "011 15-1234-5678" -> "(011) 15-1234-5678" */
static inline std::string
parenthesise(const std::string &national)
{
	size_t		sp = national.find(' ');

	if (sp == std::string::npos || national.find('(') != std::string::npos)
		return "(" + national.substr(0, 3) + ") " + national.substr(3);
	return "(" + national.substr(0, sp) + ")" + national.substr(sp);
}

static const char *const other_regions[] = {
	"US", "GB", "DE", "FR", "AR", "BR", "IN", "CN", "JP", "AU", "MX", "ES",
	"IT", "RU", "ZA", "NG"
};

static inline void
add_forms(const lpn::PhoneNumberUtil *u, const PhoneExample &ex, unsigned idx,
		  std::vector<Case> &cases)
{
	std::string region = ex.region;
	bool		geo = region != "001";
	std::string nsn = ex.number;
	std::string home = geo ? region : "ZZ";
	lpn::PhoneNumber pn;
	std::string e164,
				intl,
				natl,
				rfc;
	std::string cc;
	std::string wrong = other_regions[idx % (sizeof(other_regions) / sizeof(other_regions[0]))];

	if (geo)
		u->Parse(nsn, region, &pn);
	else
	{
		int			code = 0;

		/* the non-geographic entity owning this example: try 3-digit codes */
		for (int cand : {800, 808, 870, 878, 881, 882, 883, 888, 979})
		{
			lpn::PhoneNumber t;

			if (u->Parse("+" + std::to_string(cand) + nsn, "ZZ", &t) ==
				lpn::PhoneNumberUtil::NO_PARSING_ERROR && u->IsValidNumber(t))
			{
				code = cand;
				pn = t;
				break;
			}
		}
		if (code == 0)
			return;
	}
	cc = std::to_string(pn.country_code());
	u->Format(pn, lpn::PhoneNumberUtil::E164, &e164);
	u->Format(pn, lpn::PhoneNumberUtil::INTERNATIONAL, &intl);
	u->Format(pn, lpn::PhoneNumberUtil::NATIONAL, &natl);
	u->Format(pn, lpn::PhoneNumberUtil::RFC3966, &rfc);

	/* the example number itself, as people write it */
	cases.push_back({e164, home, true});
	cases.push_back({e164, "ZZ", true});
	cases.push_back({intl, home, true});
	cases.push_back({replace_all(intl, " ", "-"), home, true});
	cases.push_back({rfc, "ZZ", true});
	cases.push_back({"tel:" + nsn + ";phone-context=+" + cc, "ZZ", true});
	cases.push_back({"00 " + cc + " " + nsn, "DE", true});
	cases.push_back({"011 " + cc + " " + nsn, "US", true});
	cases.push_back({intl + " ext. 1234", home, true});
	cases.push_back({e164 + ";ext=77", home, true});
	cases.push_back({"Tel: " + intl + " (office)", home, true});
	if (geo)
	{
		cases.push_back({nsn, region, true});
		cases.push_back({natl, region, true});
		cases.push_back({natl + " x 12", region, true});
		cases.push_back({parenthesise(natl), region, true});
		cases.push_back({replace_all(replace_all(natl, " ", "."), "-", "."), region, true});
		cases.push_back({fullwidth(natl), region, true});
	}

	/* near misses */
	std::string added = nsn + "5";
	std::string dropped = nsn.substr(0, nsn.size() - 1);
	std::string changed = nsn;
	std::string first = nsn;

	changed[nsn.size() / 2] = (char) ('0' + (changed[nsn.size() / 2] - '0' + 1) % 10);
	first[0] = (char) ('0' + (first[0] - '0' + 3) % 10);
	for (const std::string &v : {added, dropped, changed, first})
	{
		cases.push_back({"+" + cc + " " + v, "ZZ", false});
		if (geo)
			cases.push_back({v, region, false});
	}
	if (geo)
	{
		cases.push_back({natl, wrong, false});
		cases.push_back({nsn, wrong, false});
	}
}

/* Hand-written inputs: the forms from the issue, odd punctuation, garbage. */
static const char *const extra_inputs[][2] = {
	{"+54 9 11 1234-5678", "AR"}, {"(011) 15 1234-5678", "AR"},
	{"011 15 1234-5678", "AR"}, {"0351 15 123-4567", "AR"},
	{"0034 612 34 56 78", "ES"}, {"612345678", "ES"},
	{"tel:+1-201-555-0123", "US"}, {"55 1234 5678 ext. 12", "MX"},
	{"044 55 1234 5678", "MX"}, {"01 55 1234 5678", "MX"},
	{"0 21 (11) 91234-5678", "BR"}, {"(11) 91234-5678", "BR"},
	{"+55 11 91234-5678", "BR"}, {"1-800-FLOWERS", "US"},
	{"+1 (650) 253-0000 ext. 123", "US"}, {"650-253-0000 x123", "US"},
	{"650 253 0000 extension 5", "US"}, {"650 253 0000 #22", "US"},
	{"+44 20 7946 0958", "GB"}, {"020 7946 0958", "GB"}, {"07700 900123", "GB"},
	{"+44 1481 256789", "GB"}, {"+44 7781 123456", "JE"}, {"01624 756789", "IM"},
	{"02 1234 5678", "IT"}, {"+39 06 1234 5678", "IT"}, {"3123456789", "IT"},
	{"030 1234567", "DE"}, {"+49 (0) 30 1234567", "DE"}, {"01 23 45 67 89", "FR"},
	{"+91 98765 43210", "IN"}, {"010 1234 5678", "CN"}, {"+86 138 0013 8000", "CN"},
	{"601 2345678", "CO"}, {"321 1234567", "CO"}, {"2 2123 4567", "CL"},
	{"9 6123 4567", "CL"}, {"2401 2345", "UY"}, {"094 231 234", "UY"},
	{"+7 495 123-45-67", "RU"}, {"8 (495) 123-45-67", "RU"}, {"+7 7172 123456", "KZ"},
	{"+262 269 61 23 45", "FR"}, {"+590 590 27 12 34", "FR"},
	{"+800 1234 5678", "ZZ"}, {"+882 3456 7890", "ZZ"},
	{"", "US"}, {"abc", "US"}, {"+", "US"}, {"++1 650 253 0000", "US"},
	{"1", "US"}, {"12", "US"}, {"123", "US"}, {"+1 2", "US"}, {"+0 123 456", "US"},
	{"+999 1234567", "US"}, {"650 253 0000", "ZZ"}, {"650 253 0000", "XX"},
	{"tel:6502530000;phone-context=+1", "ZZ"}, {"tel:253-0000;phone-context=www.google.com", "US"},
	{"tel:+1-650-253-0000;isub=12345", "US"}, {"+1 650 253 0000;ext=12345678901234567890", "US"},
	{"650 253 0000 / x 7", "US"}, {"+49 30 1234567 / +49 30 7654321", "DE"},
	{"\xEF\xBC\x8B\xEF\xBC\x91 650 253 0000", "US"}, {"\xD9\xA6\xD9\xA5\xD9\xA0 253 0000", "US"},
	{"+1 650 253 0000 \xD0\xB4\xD0\xBE\xD0\xB1 12", "US"}, {"+34 912 345 678 anexo 4", "ES"},
	{"+52 55 1234 5678 int. 3", "MX"}, {"12345678901234567890123", "US"},
	{"+1 650\xE2\x80\x93" "253\xE2\x80\x94" "0000", "US"}, {"(650) 253-0000 ,, 12", "US"},
	{"0800 123 456", "AR"}, {"0810 123 4567", "AR"}, {"15 1234-5678", "AR"},
	{"011 5491112345678", "US"}, {"0054 9 11 1234 5678", "ES"}, {"+5401112345678", "AR"},
};

/* Every example's forms and near misses, then the hand-written inputs. */
static inline void
phone_corpus(const lpn::PhoneNumberUtil *u, std::vector<Case> &cases)
{
	unsigned	idx = 0;

	for (const PhoneExample *ex = ct_phone_examples; ex->region; ex++)
		add_forms(u, *ex, idx++, cases);
	for (const auto &e : extra_inputs)
		cases.push_back({e[0], e[1], false});
}

#endif							/* PHONE_CORPUS_H */
