/*
 * email_lists.c
 *		Hand-compiled email reference lists: freemail providers, role local
 *		parts, provider rules for canonical keys and typo targets.
 *
 * How these were built (2026-11, by the contacts authors, no third-party
 * list copied): the freemail and typo lists are the consumer mail services
 * with large user bases in the markets the project targets (Spain, Latin
 * America, English-speaking countries, plus the largest European, Russian
 * and East Asian services) and the personal mailboxes of the main Spanish
 * and Latin-American ISPs (prodigy.net.mx, fibertel.com.ar, une.net.co ...),
 * taken from the providers' own sign-up pages.
 * The role list is the RFC 2142 mailbox names (abuse, postmaster,
 * hostmaster, webmaster ...) plus common department and no-reply names in
 * English and Spanish.  Provider rules follow each provider's published
 * help on sub-addressing and aliases (see the README's provider table).
 *
 * The arrays are sorted in strcmp() order for bsearch(); test_email checks
 * that they stay sorted.  Disposable domains are generated separately
 * (email_disposable.c).
 */
#include "email.h"

#include <stdlib.h>
#include <string.h>

/* Consumer mail services (free webmail and the big ISPs' personal mailboxes), ASCII domains. */
static const char *const freemail_domains[] = {
	"126.com", "163.com", "adinet.com.uy", "aim.com", "alice.it", "aol.com",
	"arnet.com.ar", "att.net", "bk.ru", "bol.com.br", "btinternet.com", "cantv.net",
	"comcast.net", "daum.net", "email.com", "euskaltel.net", "fastmail.com",
	"fastmail.fm", "fibertel.com.ar", "free.fr", "freenet.de", "gmail.com", "gmx.at",
	"gmx.ch", "gmx.com", "gmx.de", "gmx.es", "gmx.fr", "gmx.net", "gmx.us",
	"googlemail.com", "hanmail.net", "hotmail.cl", "hotmail.co.uk", "hotmail.com",
	"hotmail.com.ar", "hotmail.com.br", "hotmail.com.mx", "hotmail.de", "hotmail.es",
	"hotmail.fr", "hotmail.it", "hushmail.com", "icloud.com", "ig.com.br", "inbox.ru",
	"interia.pl", "laposte.net", "libero.it", "list.ru", "live.ca", "live.cl",
	"live.co.uk", "live.com", "live.com.ar", "live.com.mx", "live.com.pe", "live.de",
	"live.fr", "live.it", "mac.com", "mail.com", "mail.ru", "mailfence.com", "me.com",
	"movistar.es", "msn.com", "naver.com", "o2.pl", "onet.pl", "ono.com", "orange.es",
	"orange.fr", "outlook.cl", "outlook.com", "outlook.com.ar", "outlook.com.br",
	"outlook.com.mx", "outlook.de", "outlook.es", "outlook.fr", "outlook.it",
	"passport.com", "pm.me", "posteo.de", "prodigy.net.mx", "proton.me", "protonmail.ch",
	"protonmail.com", "qq.com", "rambler.ru", "rediffmail.com", "rocketmail.com",
	"sbcglobal.net", "seznam.cz", "sfr.fr", "sina.com", "sky.com", "speedy.com.ar",
	"speedy.com.pe", "t-online.de", "telefonica.net", "terra.cl", "terra.com.br",
	"terra.com.mx", "terra.es", "tiscali.it", "tuta.io", "tutanota.com", "tutanota.de",
	"ukr.net", "une.net.co", "uol.com.br", "usa.com", "verizon.net", "virgilio.it",
	"vtr.net", "wanadoo.fr", "web.de", "wp.pl", "ya.ru", "yahoo.ca", "yahoo.cl",
	"yahoo.co.in", "yahoo.co.jp", "yahoo.co.uk", "yahoo.com", "yahoo.com.ar",
	"yahoo.com.br", "yahoo.com.co", "yahoo.com.mx", "yahoo.com.pe", "yahoo.com.ve",
	"yahoo.de", "yahoo.es", "yahoo.fr", "yahoo.it", "yandex.by", "yandex.com",
	"yandex.kz", "yandex.ru", "yandex.ua", "yeah.net", "ymail.com", "zoho.com",
	"zohomail.com",
};

/* Role local parts, lower case, separators (. - _) removed: "no-reply" is "noreply". */
static const char *const role_local_parts[] = {
	"abuse", "accounting", "accounts", "admin", "administracion", "administration",
	"administrator", "atencion", "atencionalcliente", "billing", "bookings", "careers",
	"clientes", "comercial", "compras", "contabilidad", "contact", "contacto",
	"customerservice", "direccion", "donotreply", "email", "empleo", "enquiries",
	"equipo", "facturacion", "feedback", "finance", "finanzas", "hello", "help",
	"helpdesk", "hola", "hostmaster", "hr", "info", "informacion", "inquiries", "it",
	"jobs", "legal", "mail", "mailerdaemon", "marketing", "media", "newsletter",
	"noreply", "noresponder", "notifications", "office", "oficina", "orders", "pedidos",
	"postmaster", "prensa", "press", "privacy", "recepcion", "reservas", "reservations",
	"root", "rrhh", "sales", "secretaria", "security", "service", "servicio", "soporte",
	"support", "sysadmin", "team", "trabajo", "ventas", "webmaster",
};

#define PLUS	EMAIL_RULE_STRIP_PLUS_TAG
#define DOTS	EMAIL_RULE_IGNORE_DOTS

/*
 * Providers whose addresses have aliases.  Gmail ignores dots and +tags and
 * treats googlemail.com as gmail.com; Outlook.com (hotmail, live, msn,
 * outlook) and Fastmail deliver +tags to the base mailbox; Apple's me.com
 * and mac.com addresses are the icloud.com account; Proton's domains are
 * one account; Yandex's national domains are one account.  Sorted by domain.
 */
static const EmailProvider providers[] = {
	{"fastmail.com", "fastmail.com", PLUS},
	{"fastmail.fm", "fastmail.fm", PLUS},
	{"gmail.com", "gmail.com", PLUS | DOTS},
	{"googlemail.com", "gmail.com", PLUS | DOTS},
	{"hotmail.co.uk", "hotmail.co.uk", PLUS},
	{"hotmail.com", "hotmail.com", PLUS},
	{"hotmail.com.ar", "hotmail.com.ar", PLUS},
	{"hotmail.com.mx", "hotmail.com.mx", PLUS},
	{"hotmail.es", "hotmail.es", PLUS},
	{"icloud.com", "icloud.com", PLUS},
	{"live.com", "live.com", PLUS},
	{"live.com.ar", "live.com.ar", PLUS},
	{"live.com.mx", "live.com.mx", PLUS},
	{"mac.com", "icloud.com", PLUS},
	{"me.com", "icloud.com", PLUS},
	{"msn.com", "msn.com", PLUS},
	{"outlook.com", "outlook.com", PLUS},
	{"outlook.es", "outlook.es", PLUS},
	{"pm.me", "proton.me", PLUS},
	{"proton.me", "proton.me", PLUS},
	{"protonmail.ch", "proton.me", PLUS},
	{"protonmail.com", "proton.me", PLUS},
	{"ya.ru", "yandex.ru", PLUS},
	{"yandex.by", "yandex.ru", PLUS},
	{"yandex.com", "yandex.ru", PLUS},
	{"yandex.kz", "yandex.ru", PLUS},
	{"yandex.ru", "yandex.ru", PLUS},
	{"yandex.ua", "yandex.ru", PLUS},
};

/*
 * Domains ct_email_suggest() corrects towards, most used first (the first
 * within reach wins).  Only names of eight or more characters: one edit away
 * from a short name such as me.com or aol.com lie too many real domains.
 */
const char *const ct_email_typo_targets[] = {
	"gmail.com", "hotmail.com", "yahoo.com", "outlook.com", "icloud.com",
	"hotmail.es", "yahoo.es", "outlook.es", "hotmail.com.ar", "yahoo.com.ar",
	"live.com.ar", "outlook.com.ar", "hotmail.com.mx", "yahoo.com.mx", "live.com.mx",
	"outlook.com.mx", "hotmail.com.br", "yahoo.com.br", "googlemail.com",
	"protonmail.com", "proton.me", "yahoo.co.uk", "hotmail.co.uk", "hotmail.fr",
	"orange.fr", "libero.it", "yandex.ru", "terra.com.br", "uol.com.br",
	"bol.com.br", "telefonica.net", "movistar.es",
};
const size_t ct_email_typo_target_count = sizeof(ct_email_typo_targets) / sizeof(ct_email_typo_targets[0]);

/* A length-delimited key against a NUL-terminated sorted entry. */
typedef struct ListKey
{
	const char *s;
	size_t		len;
} ListKey;

static int
cmp_key_entry(const void *key, const void *entry)
{
	const ListKey *k = key;
	const char *e = *(const char *const *) entry;
	size_t		elen = strlen(e);
	int			c = memcmp(k->s, e, k->len < elen ? k->len : elen);

	if (c != 0)
		return c;
	return k->len < elen ? -1 : (k->len > elen ? 1 : 0);
}

static bool
in_sorted_list(const char *const *list, size_t n, const char *s, size_t len)
{
	ListKey		key = {s, len};

	return bsearch(&key, list, n, sizeof(list[0]), cmp_key_entry) != NULL;
}

bool
ct_email_list_freemail(const char *domain, size_t len)
{
	return in_sorted_list(freemail_domains,
						  sizeof(freemail_domains) / sizeof(freemail_domains[0]), domain, len);
}

bool
ct_email_list_role(const char *local, size_t len)
{
	return in_sorted_list(role_local_parts,
						  sizeof(role_local_parts) / sizeof(role_local_parts[0]), local, len);
}

size_t
ct_email_list_freemail_suffix(const char *s, size_t len)
{
	size_t		best = 0;

	for (size_t i = 0; i < sizeof(freemail_domains) / sizeof(freemail_domains[0]); i++)
	{
		size_t		dlen = strlen(freemail_domains[i]);

		if (dlen < len && dlen > best && memcmp(s + len - dlen, freemail_domains[i], dlen) == 0)
			best = dlen;
	}
	return best;
}

static int
cmp_key_provider(const void *key, const void *entry)
{
	const char *domain = ((const EmailProvider *) entry)->domain;

	return cmp_key_entry(key, &domain);
}

const EmailProvider *
ct_email_provider_lookup(const char *domain, size_t len)
{
	ListKey		key = {domain, len};

	return bsearch(&key, providers, sizeof(providers) / sizeof(providers[0]),
				   sizeof(providers[0]), cmp_key_provider);
}

/* For the unit test: every list sorted, so that bsearch() finds every entry. */
bool
ct_email_lists_sorted(void)
{
	for (size_t i = 1; i < sizeof(freemail_domains) / sizeof(freemail_domains[0]); i++)
		if (strcmp(freemail_domains[i - 1], freemail_domains[i]) >= 0)
			return false;
	for (size_t i = 1; i < sizeof(role_local_parts) / sizeof(role_local_parts[0]); i++)
		if (strcmp(role_local_parts[i - 1], role_local_parts[i]) >= 0)
			return false;
	for (size_t i = 1; i < sizeof(providers) / sizeof(providers[0]); i++)
		if (strcmp(providers[i - 1].domain, providers[i].domain) >= 0)
			return false;
	return true;
}
