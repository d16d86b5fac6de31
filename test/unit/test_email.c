/*
 * test_email.c
 *		Email validation reasons, normalization, comparison, canonical keys,
 *		suggestions and lists.
 */
#include "unit.h"

#include "email.h"

static const char *
code(const char *s, EmailProfile profile, EmailIdna *idna)
{
	const CtReason *r = ct_email_check(s, strlen(s), profile, idna);

	return r ? r->code : NULL;
}

/* The normalized form, or the reason code prefixed with "!". */
static const char *
norm(const char *s, EmailProfile profile, EmailIdna *idna)
{
	static char out[EMAIL_BUF_SIZE + 1];
	EmailParts	parts;
	const CtReason *r = ct_email_normalize(s, strlen(s), profile, idna, out, &parts);

	if (r != NULL)
	{
		snprintf(out, sizeof(out), "!%s", r->code);
		return out;
	}
	out[parts.len] = '\0';
	return out;
}

static int
cmp(const char *a, const char *b)
{
	return ct_email_compare(a, strlen(a), b, strlen(b));
}

static const char *
canonical(const char *s)
{
	static char out[EMAIL_BUF_SIZE + 1];
	size_t		n = ct_email_canonical(s, strlen(s), out);

	out[n] = '\0';
	return out;
}

/* The duplicate key, or "!" when the text is not an address. */
static const char *
key(const char *s, EmailIdna *idna)
{
	static char out[EMAIL_BUF_SIZE + 1];
	size_t		n = ct_email_duplicate_key(s, strlen(s), idna, out);

	if (n == 0)
		return "!";
	out[n] = '\0';
	return out;
}

static const char *
suggest(const char *s, EmailIdna *idna)
{
	static char out[EMAIL_BUF_SIZE + 1];
	size_t		n;

	if (!ct_email_suggest(s, strlen(s), EMAIL_PROFILE_MAILBOX, idna, out, &n))
		return NULL;
	out[n] = '\0';
	return out;
}

int
main(void)
{
	EmailIdna  *idna = ct_email_idna_open(&ct_malloc_allocator);
	const EmailProfile M = EMAIL_PROFILE_MAILBOX;
	const EmailProfile RFC = EMAIL_PROFILE_RFC;
	const EmailProfile P = EMAIL_PROFILE_PROVIDER;
	char		local65[80];
	char		label64[80];
	char		longaddr[300];

	CHECK(idna != NULL);
	CHECK(ct_email_lists_sorted());

	/* Valid addresses, both profiles, with and without a shared handle. */
	CHECK_STR(code("ana@example.com", M, idna), NULL);
	CHECK_STR(code("Ana.Maria+news@Example.COM", M, NULL), NULL);
	CHECK_STR(code("o'brien@example.ie", M, idna), NULL);
	CHECK_STR(code("  ana@example.com\n", M, idna), NULL);
	CHECK_STR(code("ana@sub.example.com.ar", M, idna), NULL);
	CHECK_STR(code("josé@bücher.de", M, idna), NULL);
	CHECK_STR(code("ana@xn--bcher-kva.de", M, idna), NULL);
	CHECK_STR(code("用户@例子.广告", M, idna), NULL);
	CHECK_STR(code("ana@пример.рф", M, NULL), NULL);

	/* Every reason code. */
	CHECK_STR(code("", M, idna), "EMPTY");
	CHECK_STR(code("   ", M, idna), "EMPTY");
	CHECK_STR(code("ana.example.com", M, idna), "MISSING_AT");
	CHECK_STR(code("ana@b@example.com", M, idna), "MULTIPLE_AT");
	CHECK_STR(code("ana\xff@example.com", M, idna), "INVALID_UTF8");
	CHECK_STR(code("ana@b\xc3\x28.com", M, idna), "INVALID_UTF8");
	CHECK_STR(code("@example.com", M, idna), "LOCAL_PART_EMPTY");
	memset(local65, 'a', 65);
	strcpy(local65 + 65, "@example.com");
	CHECK_STR(code(local65, M, idna), "LOCAL_PART_TOO_LONG");
	strcpy(local65 + 64, "@example.com");
	CHECK_STR(code(local65, M, idna), NULL);	/* exactly 64 octets */
	CHECK_STR(code(".ana@example.com", M, idna), "LOCAL_PART_LEADING_DOT");
	CHECK_STR(code("ana.@example.com", M, idna), "LOCAL_PART_TRAILING_DOT");
	CHECK_STR(code("ana..maria@example.com", M, idna), "LOCAL_PART_CONSECUTIVE_DOTS");
	CHECK_STR(code("ana maria@example.com", M, idna), "LOCAL_PART_INVALID_CHAR");
	CHECK_STR(code("ana,maria@example.com", RFC, idna), "LOCAL_PART_INVALID_CHAR");
	CHECK_STR(code("ana\xe2\x80\x8b@example.com", M, idna), "LOCAL_PART_INVALID_CHAR"); /* ZWSP */
	CHECK_STR(code("ana!x@example.com", P, idna), "LOCAL_PART_RFC_ONLY_CHAR");
	CHECK_STR(code("ana!x@example.com", M, idna), NULL);
	CHECK_STR(code("ana!x@example.com", RFC, idna), NULL);
	/* RFC 5322 atext that HTML5, email-validator and mail servers accept: the default takes it */
	CHECK_STR(code("user+mailbox/department=shipping@example.tld", M, idna), NULL);
	CHECK_STR(code("user+mailbox/department=shipping@example.tld", P, idna), "LOCAL_PART_RFC_ONLY_CHAR");
	CHECK_STR(code("first&last@example.com", M, idna), NULL);
	CHECK_STR(code("#ops@example.com", M, idna), NULL);
	CHECK_STR(code("!#$%&*/=?^`{|}~@example.com", M, idna), NULL);
	CHECK_STR(code("#ops@example.com", P, idna), "LOCAL_PART_RFC_ONLY_CHAR");
	CHECK_STR(code("a..#@example.com", M, idna), "LOCAL_PART_CONSECUTIVE_DOTS");	/* still a dot-atom */
	CHECK_STR(code("\"ana maria\"@example.com", M, idna), "LOCAL_PART_QUOTED");
	CHECK_STR(code("\"ana maria\"@example.com", P, idna), "LOCAL_PART_QUOTED");
	CHECK_STR(code("\"ana maria\"@example.com", RFC, idna), NULL);
	CHECK_STR(code("\"a@b\"@example.com", RFC, idna), NULL);
	CHECK_STR(code("\"a\\\"b\"@example.com", RFC, idna), NULL);
	CHECK_STR(code("\"ana@example.com", RFC, idna), "LOCAL_PART_QUOTED_INVALID");
	CHECK_STR(code("\"ana\"x@example.com", RFC, idna), "LOCAL_PART_QUOTED_INVALID");
	CHECK_STR(code("\"ana\"", RFC, idna), "MISSING_AT");
	CHECK_STR(code("ana@", M, idna), "DOMAIN_EMPTY");
	CHECK_STR(code("ana@example..com", M, idna), "DOMAIN_LABEL_EMPTY");
	CHECK_STR(code("ana@.example.com", M, idna), "DOMAIN_LABEL_EMPTY");
	CHECK_STR(code("ana@example.com.", M, idna), "DOMAIN_LABEL_EMPTY");
	CHECK_STR(code("ana@bücher..de", M, idna), "DOMAIN_LABEL_EMPTY");
	memset(label64, 'a', 64);
	strcpy(label64 + 64, ".com");
	snprintf(longaddr, sizeof(longaddr), "ana@%s", label64);
	CHECK_STR(code(longaddr, M, idna), "DOMAIN_LABEL_TOO_LONG");
	CHECK_STR(code("ana@-example.com", M, idna), "DOMAIN_LABEL_HYPHEN");
	CHECK_STR(code("ana@example-.com", M, idna), "DOMAIN_LABEL_HYPHEN");
	CHECK_STR(code("ana@-bücher.de", M, idna), "DOMAIN_LABEL_HYPHEN");
	CHECK_STR(code("ana@ab--cd.com", M, idna), "DOMAIN_LABEL_RESERVED_HYPHENS");
	CHECK_STR(code("ana@exa_mple.com", M, idna), "DOMAIN_INVALID_CHAR");
	CHECK_STR(code("ana@exa mple.com", M, idna), "DOMAIN_INVALID_CHAR");
	CHECK_STR(code("ana@b\xe2\x98\x83.com", M, idna), NULL);	/* snowman: UTS #46 valid */
	CHECK_STR(code("ana@ex\xc2\xa0mple.com", M, idna), "DOMAIN_INVALID_CHAR"); /* NBSP */
	CHECK_STR(code("ana@192.168.0.1", M, idna), "DOMAIN_NUMERIC_TLD");
	CHECK_STR(code("ana@192.168.0.1", RFC, idna), "DOMAIN_NUMERIC_TLD");
	CHECK_STR(code("ana@example.c", M, idna), "DOMAIN_TLD_INVALID");
	CHECK_STR(code("ana@example.c0m", M, idna), "DOMAIN_TLD_INVALID");
	CHECK_STR(code("ana@example.c0m", RFC, idna), NULL);
	CHECK_STR(code("ana@localhost", M, idna), "DOMAIN_SINGLE_LABEL");
	CHECK_STR(code("ana@localhost", RFC, idna), NULL);
	CHECK_STR(code("ana@example.c0m", P, idna), "DOMAIN_TLD_INVALID");
	CHECK_STR(code("ana@localhost", P, idna), "DOMAIN_SINGLE_LABEL");

	/* Special-use names that can never receive mail: not under mailbox or provider. */
	{
		const char *special[] = {"ana@x.invalid", "ana@mail.test", "ana@host.localhost",
			"ana@printer.local", "ana@abc.onion", "ana@router.home.arpa", "ana@1.in-addr.arpa",
		"ana@x.alt", "ana@X.INVALID", "ana@bücher.test"};

		for (size_t i = 0; i < sizeof(special) / sizeof(special[0]); i++)
		{
			CHECK_STR(code(special[i], M, idna), "DOMAIN_SPECIAL_USE");
			CHECK_STR(code(special[i], P, idna), "DOMAIN_SPECIAL_USE");
			CHECK_STR(code(special[i], RFC, idna), NULL);
		}
		/* documentation names stay valid, and only whole top-level labels count */
		CHECK_STR(code("ana@example.com", M, idna), NULL);
		CHECK_STR(code("ana@existing.example", M, idna), NULL);
		CHECK_STR(code("ana@test.com", M, idna), NULL);
		CHECK_STR(code("ana@x.tests", M, idna), NULL);
		CHECK_STR(code("ana@x.loca", M, idna), NULL);
		CHECK_STR(code("ana@x.localhostx", M, idna), NULL);
	}
	CHECK_STR(code("ana@xn--zz.com", M, idna), "DOMAIN_IDN_INVALID");
	CHECK_STR(code("ana@a\xd7\x90.com", M, idna), "DOMAIN_IDN_INVALID");	/* mixed bidi */
	CHECK_STR(code("ana@[192.0.2.1]", M, idna), "DOMAIN_ADDRESS_LITERAL");
	CHECK_STR(code("ana@[192.0.2.1]", P, idna), "DOMAIN_ADDRESS_LITERAL");
	CHECK_STR(code("ana@[192.0.2.1]", RFC, idna), NULL);
	CHECK_STR(code("ana@[IPv6:2001:db8::1]", RFC, idna), NULL);
	CHECK_STR(code("ana@[192.0.2.256]", RFC, idna), "DOMAIN_LITERAL_INVALID");
	CHECK_STR(code("ana@[192.0.2]", RFC, idna), "DOMAIN_LITERAL_INVALID");
	CHECK_STR(code("ana@[IPv6:2001:db8::g]", RFC, idna), "DOMAIN_LITERAL_INVALID");
	CHECK_STR(code("ana@[192.0.2.1", RFC, idna), "DOMAIN_LITERAL_INVALID");
	/* found by the fuzzer: inet_pton() would stop at the NUL */
	CHECK(ct_email_check("a@[IPv6:2001:db8::1\0@]", 22, RFC, idna) != NULL);
	{
		char		dom[300];

		/* a 253-octet domain fits, but not in a 254-octet path with "a@" */
		snprintf(dom, sizeof(dom), "a@%.63s.%.63s.%.63s.%.57s.com", label64, label64, label64, label64);
		CHECK_STR(code(dom, M, idna), "ADDRESS_TOO_LONG");
		snprintf(dom, sizeof(dom), "a@%.63s.%.63s.%.63s.%.55s.com", label64, label64, label64, label64);
		CHECK_STR(code(dom, M, idna), NULL);	/* 251-octet domain, 253-octet address */
		snprintf(dom, sizeof(dom), "a@%.63s.%.63s.%.63s.%.58s.com", label64, label64, label64, label64);
		CHECK_STR(code(dom, M, idna), "DOMAIN_TOO_LONG");	/* 254, DNS allows 253 */
		snprintf(dom, sizeof(dom), "a@%.63s.%.63s.%.63s.%.63s.com", label64, label64, label64, label64);
		CHECK_STR(code(dom, M, idna), "DOMAIN_TOO_LONG");
	}

	/*
	 * Lengths are octets, not characters.  "あ" is 3 octets of UTF-8: a local
	 * part of 21 of them (63 octets) and one letter fits in 64, two do not.
	 */
	{
		char		addr[600];
		char		hira[200] = "";
		char		dom[300];

		for (int i = 0; i < 21; i++)
			strcat(hira, "\xe3\x81\x82");
		snprintf(addr, sizeof(addr), "%sa@example.com", hira);
		CHECK_STR(code(addr, M, idna), NULL);
		snprintf(addr, sizeof(addr), "%saa@example.com", hira);
		CHECK_STR(code(addr, M, idna), "LOCAL_PART_TOO_LONG");	/* 23 characters, 65 octets */

		/*
		 * An internationalized domain whose A-label form is short but whose
		 * UTF-8 is not: "xn--l8jaaaaaaaaaaaaaaaaaaaa" (27 octets) is 21 × "あ"
		 * (63 octets).  With a local part of 64 and three 50-octet labels the
		 * ASCII form is 64 + 1 + 3 × 51 + 27 + 4 = 249 octets, the UTF-8 form
		 * 285: too long.  The same address with "aaaaaaaaaaaaaaaaaaaaa"
		 * (21 octets either way) is 243 octets and fits.
		 */
		snprintf(dom, sizeof(dom), "%.50s.%.50s.%.50s", label64, label64, label64);
		snprintf(addr, sizeof(addr), "%.64s@%s.%s.com", local65, dom, hira);
		CHECK_STR(code(addr, M, idna), "ADDRESS_TOO_LONG");
		CHECK_STR(norm(addr, M, NULL), "!ADDRESS_TOO_LONG");
		snprintf(addr, sizeof(addr), "%.64s@%s.%.21s.com", local65, dom, label64);
		CHECK_STR(code(addr, M, idna), NULL);
		/*
		 * At the boundary: with the 63-octet label, a local part of 33 makes
		 * 254 octets of UTF-8 (fits), 34 makes 255 (too long) though the
		 * address is only 213 characters and 34 + 1 + 152 + 1 + 27 + 4 = 219
		 * octets in ASCII form.
		 */
		snprintf(addr, sizeof(addr), "%.33s@%s.%s.com", local65, dom, hira);
		CHECK(strlen(addr) == 254);
		CHECK_STR(code(addr, M, idna), NULL);
		snprintf(addr, sizeof(addr), "%.34s@%s.%s.com", local65, dom, hira);
		CHECK(strlen(addr) == 255);
		CHECK_STR(code(addr, M, idna), "ADDRESS_TOO_LONG");
	}

	/* The handle's conversion cache answers as ICU does, hit or miss, over many domains. */
	{
		const char *domains[] = {"ana@bücher.de", "ana@-bücher.de", "ana@xn--zz.com", "ana@münchen.de",
		"ana@a\xd7\x90.com", "ana@пример.рф", "ana@BÜCHER.de", "ana@xn--bcher-kva.de"};
		bool		same = true;

		for (int round = 0; round < 3; round++)
			for (int i = 0; i < 200; i++)
			{
				char		addr[64];
				const char *d = domains[i % 8];
				const CtReason *cached;
				const CtReason *fresh;

				/* vary the domain so that slots collide and get replaced */
				snprintf(addr, sizeof(addr), "%s%s", d, i % 3 == 0 ? "" : (i % 3 == 1 ? ".es" : ".com.ar"));
				cached = ct_email_check(addr, strlen(addr), M, idna);
				fresh = ct_email_check(addr, strlen(addr), M, NULL);
				if (cached != fresh)
					same = false;
				if (strcmp(norm(addr, M, idna), norm(addr, M, NULL)) != 0)
					same = false;
			}
		CHECK(same);
	}

	/* Every printable ASCII character in a local part and in a domain, every profile. */
	{
		bool		agree = true;

		for (int c = 0x21; c < 0x7f; c++)
		{
			char		addr[16];
			bool		alnum = (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
			bool		provider_ok = alnum || strchr("._-+'", c) != NULL;
			bool		atext_ok = provider_ok || strchr("!#$%&*/=?^`{|}~", c) != NULL;
			bool		domain_ok = alnum || c == '-';

			snprintf(addr, sizeof(addr), "a%cb@x.com", c);
			if ((ct_email_check(addr, strlen(addr), P, idna) == NULL) != provider_ok ||
				(ct_email_check(addr, strlen(addr), M, idna) == NULL) != atext_ok ||
				(ct_email_check(addr, strlen(addr), RFC, idna) == NULL) != atext_ok)
			{
				fprintf(stderr, "local part character 0x%02x\n", c);
				agree = false;
			}
			snprintf(addr, sizeof(addr), "ab@x%cy.com", c);
			if (c != '.' && (ct_email_check(addr, strlen(addr), RFC, idna) == NULL) != domain_ok)
			{
				fprintf(stderr, "domain character 0x%02x\n", c);
				agree = false;
			}
		}
		CHECK(agree);
	}

	/* Normalization. */
	CHECK_STR(norm("  Ana.Maria@Example.COM ", M, idna), "Ana.Maria@example.com");
	CHECK_STR(norm("ana@Bücher.DE", M, idna), "ana@bücher.de");
	CHECK_STR(norm("ana@xn--bcher-kva.de", M, idna), "ana@bücher.de");
	CHECK_STR(norm("ana@XN--BCHER-KVA.DE", M, NULL), "ana@bücher.de");
	CHECK_STR(norm("ana@fa\xc3\x9f.de", M, idna), "ana@fa\xc3\x9f.de");	/* nontransitional ß */
	CHECK_STR(norm("jose\xcc\x81@example.com", M, idna), "jos\xc3\xa9@example.com");	/* NFC */
	CHECK_STR(norm("ana@ＥＸＡＭＰＬＥ.com", M, idna), "ana@example.com");	/* fullwidth */
	CHECK_STR(norm("ana@[IPv6:2001:DB8::1]", RFC, idna), "ana@[IPv6:2001:db8::1]");
	CHECK_STR(norm("\"Ana M\"@Example.com", RFC, idna), "\"Ana M\"@example.com");
	CHECK_STR(norm("ana@-x.com", M, idna), "!DOMAIN_LABEL_HYPHEN");

	/* Comparison: case-insensitive over the whole address. */
	CHECK(cmp("Ana@example.com", "ana@example.com") == 0);
	CHECK(cmp("ana@example.com", "anb@example.com") < 0);
	CHECK(cmp("anb@example.com", "ana@example.com") > 0);
	CHECK(cmp("ana@example.com", "ana@example.com.ar") < 0);
	CHECK(cmp("JOSÉ@bücher.de", "josé@bücher.de") == 0);
	CHECK(cmp("josé@x.de", "josf@x.de") > 0);
	CHECK(cmp("STRASSE@x.de", "straße@x.de") == 0);	/* full case folding */
	{
		char		f[EMAIL_BUF_SIZE];
		size_t		n = ct_email_fold("ÁNA@X.COM", strlen("ÁNA@X.COM"), f);

		CHECK(n == strlen("ána@x.com") && memcmp(f, "ána@x.com", n) == 0);
	}
	CHECK(ct_email_local_length("\"a@b\"@x.com", 11) == 5);

	/*
	 * Duplicate keys: equal exactly when the type's comparison is, whatever
	 * the spelling of the domain, the profile or the white space.
	 */
	CHECK_STR(key("STRASSE@example.de", idna), "strasse@example.de");
	CHECK_STR(key("straße@example.de", idna), "strasse@example.de");
	CHECK_STR(key("JOSÉ@x.de", idna), "josé@x.de");
	CHECK_STR(key("  Ana@XN--BCHER-KVA.de ", idna), "ana@bücher.de");
	CHECK_STR(key("ana@bücher.de", NULL), "ana@bücher.de");
	CHECK_STR(key("\"A b\"@x.com", idna), "\"a b\"@x.com");	/* rfc only */
	CHECK_STR(key("ana@", idna), "!");
	CHECK_STR(key("not an address", idna), "!");
	{
		/* the key agrees with the type's comparison, equal or not */
		const char *pairs[][2] = {
			{"STRASSE@example.de", "straße@example.de"},
			{"Ana@Example.com", "ana@example.com"},
			{"ana@example.com", "anb@example.com"},
			{"JOSÉ@bücher.de", "jose\xcc\x81@bücher.de"},	/* NFD local part */
			{"ana@xn--bcher-kva.de", "ANA@BÜCHER.DE"},
		};

		for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++)
		{
			char		na[EMAIL_BUF_SIZE];
			char		nb[EMAIL_BUF_SIZE];
			char		ka[EMAIL_BUF_SIZE];
			char		kb[EMAIL_BUF_SIZE];
			EmailParts	pa;
			EmailParts	pb;
			size_t		la = ct_email_duplicate_key(pairs[i][0], strlen(pairs[i][0]), idna, ka);
			size_t		lb = ct_email_duplicate_key(pairs[i][1], strlen(pairs[i][1]), idna, kb);

			CHECK(ct_email_normalize(pairs[i][0], strlen(pairs[i][0]), M, idna, na, &pa) == NULL);
			CHECK(ct_email_normalize(pairs[i][1], strlen(pairs[i][1]), M, idna, nb, &pb) == NULL);
			CHECK(la > 0 && lb > 0);
			CHECK((ct_email_compare(na, pa.len, nb, pb.len) == 0) ==
				  (la == lb && memcmp(ka, kb, la) == 0));
		}
	}

	/* Canonical keys. */
	CHECK_STR(canonical("Ana.Maria+news@gmail.com"), "anamaria@gmail.com");
	CHECK_STR(canonical("ana.maria@googlemail.com"), "anamaria@gmail.com");
	CHECK_STR(canonical("ana.maria+x@hotmail.com"), "ana.maria@hotmail.com");
	CHECK_STR(canonical("ana@me.com"), "ana@icloud.com");
	CHECK_STR(canonical("ana+x@protonmail.com"), "ana@proton.me");
	CHECK_STR(canonical("Ana.Maria+x@example.com"), "ana.maria+x@example.com");
	CHECK_STR(canonical("+x@gmail.com"), "+x@gmail.com");

	/* Suggestions. */
	CHECK_STR(suggest("ana@gmial.com", idna), "ana@gmail.com");
	CHECK_STR(suggest("ana@hotmial.com", idna), "ana@hotmail.com");
	CHECK_STR(suggest("ana@yaho.com.ar", idna), "ana@yahoo.com.ar");
	CHECK_STR(suggest("ana@gmail.con", idna), "ana@gmail.com");
	CHECK_STR(suggest("ana@outlok.es", idna), "ana@outlook.es");
	CHECK_STR(suggest("Ana@GMIAL.CON", idna), "Ana@gmail.com");
	CHECK_STR(suggest("ana@gmail,com", idna), "ana@gmail.com");
	CHECK_STR(suggest("ana@empresa.con", idna), "ana@empresa.com");
	CHECK_STR(suggest("ana@gmail.com", idna), NULL);
	CHECK_STR(suggest("ana@email.com", idna), NULL);
	CHECK_STR(suggest("ana@example.com", idna), NULL);
	CHECK_STR(suggest("ana@xe.com", idna), NULL);
	CHECK_STR(suggest("ana..x@gmial.com", idna), NULL);
	CHECK_STR(suggest("no at sign", idna), NULL);
	CHECK_STR(suggest("a.garcia1961gmail.com", idna), "a.garcia1961@gmail.com");
	CHECK_STR(suggest("Ana.Garcia.HOTMAIL.COM.AR", idna), NULL);	/* ana.garcia.@ is invalid */
	CHECK_STR(suggest("anahotmail.com.ar", idna), "ana@hotmail.com.ar");
	CHECK_STR(suggest("gmail.com", idna), NULL);

	/* Lists. */
	CHECK(ct_email_is_disposable("x@mailinator.com", 16, idna));
	CHECK(ct_email_is_disposable("x@eu.mailinator.com", 19, idna));
	CHECK(!ct_email_is_disposable("x@gmail.com", 11, idna));
	CHECK(ct_email_list_disposable("0-mail.com", 10));
	CHECK(ct_email_is_freemail("x@gmail.com", 11, idna));
	CHECK(!ct_email_is_freemail("x@example.com", 13, idna));
	CHECK(!ct_email_is_freemail("x@bücher.de", strlen("x@bücher.de"), idna));
	CHECK(ct_email_is_role("info@example.com", 16));
	CHECK(ct_email_is_role("No-Reply@example.com", 20));
	CHECK(ct_email_is_role("ventas+web@example.com", 22));
	CHECK(!ct_email_is_role("ana@example.com", 15));
	CHECK(!ct_email_is_role("information@example.com", 23));

	ct_email_idna_close(idna, &ct_malloc_allocator);
	return UNIT_DONE();
}
