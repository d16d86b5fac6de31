/*
 * date_parse.c
 *		Dates as people and spreadsheets write them (see date_parse.h).
 *
 * The text is split into a date part and an optional time part (from the
 * first "hh:mm").  The date part is a sequence of tokens: numbers, and words
 * that are month names or fillers ("de", "of", week days); separators are
 * / - . , and spaces.  Three numbers are a numeric date, two numbers and a
 * month word a written one, one number of 8 digits YYYYMMDD, and one of 5
 * or 6 digits (with an optional fraction, the time of day) an Excel serial.
 */
#include <stdint.h>
#include <string.h>

#include "date_parse.h"

const CtReason ct_date_unreadable = {
	"DATE_UNREADABLE", "not a date in any form this reader knows",
	"Write the date as day, month and year (05/03/1978, 5 de marzo de 1978) or as ISO 1978-03-05."
};
const CtReason ct_date_impossible = {
	"DATE_IMPOSSIBLE", "no such day: the month has fewer days, or there is no such month",
	"Check the day and month; 31/02 or a month 13 is a typing error, not a date."
};
const CtReason ct_date_ambiguous = {
	"DATE_AMBIGUOUS", "day and month cannot be told apart without knowing the country",
	"Give the sheet's region (or date_order => 'DMY' or 'MDY'), or write the date as ISO 1978-03-05."
};
const CtReason ct_date_incomplete = {
	"DATE_INCOMPLETE", "a day, a month and a year are needed",
	"Write the whole date: a year or a day and month alone is not one."
};
const CtReason ct_date_bad_time = {
	"DATE_BAD_TIME", "the time of day after the date is not a time",
	"Write the time as hh:mm or hh:mm:ss, 24-hour or with AM/PM."
};
const CtReason ct_date_serial_range = {
	"DATE_SERIAL_OUT_OF_RANGE", "Excel serial day number out of range",
	"Excel serial numbers of dates go from 10000 (1927-05-18) to 2958465 (9999-12-31)."
};
const CtReason ct_date_year_range = {
	"DATE_YEAR_OUT_OF_RANGE", "year out of range",
	"Years go from 1 to 9999."
};
const CtReason ct_birth_date_future = {
	"BIRTH_DATE_IN_FUTURE", "birth date after today",
	"Check the year, and the order of day and month."
};
const CtReason ct_birth_date_too_old = {
	"BIRTH_DATE_TOO_OLD", "birth date before 1900",
	"Check the year: a two-digit year of a birth date is never in the future (see the docs)."
};

#define SERIAL_MIN 10000
#define SERIAL_MAX 2958465

CtDateOrder
ct_date_order_for_region(const char *region)
{
	static const char *const mdy[] = {"US", "PR", "GU", "VI", "AS", "MP", "UM", "FM", "MH", "PW", NULL};
	static const char *const ymd[] = {"CN", "JP", "KR", "KP", "TW", "HU", "LT", "MN", NULL};
	char		r[3];

	if (region == NULL || strlen(region) != 2)
		return CT_DATE_ORDER_UNKNOWN;
	r[0] = (char) (region[0] >= 'a' && region[0] <= 'z' ? region[0] - 32 : region[0]);
	r[1] = (char) (region[1] >= 'a' && region[1] <= 'z' ? region[1] - 32 : region[1]);
	r[2] = '\0';
	if (strcmp(r, "ZZ") == 0 || r[0] < 'A' || r[0] > 'Z' || r[1] < 'A' || r[1] > 'Z')
		return CT_DATE_ORDER_UNKNOWN;
	for (int i = 0; mdy[i]; i++)
		if (strcmp(r, mdy[i]) == 0)
			return CT_DATE_MDY;
	for (int i = 0; ymd[i]; i++)
		if (strcmp(r, ymd[i]) == 0)
			return CT_DATE_YMD;
	return CT_DATE_DMY;
}

int
ct_date_order_from_name(const char *name)
{
	static const char *const names[] = {"DMY", "MDY", "YMD"};

	if (name == NULL || strlen(name) != 3)
		return -1;
	for (int i = 0; i < 3; i++)
	{
		int			k;

		for (k = 0; k < 3; k++)
			if ((name[k] & ~0x20) != names[i][k])
				break;
		if (k == 3)
			return CT_DATE_DMY + i;
	}
	return -1;
}

const char *
ct_date_order_name(CtDateOrder order)
{
	switch (order)
	{
		case CT_DATE_DMY:
			return "DMY";
		case CT_DATE_MDY:
			return "MDY";
		case CT_DATE_YMD:
			return "YMD";
		default:
			return NULL;
	}
}

static bool
is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
month_days(int y, int m)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	return m == 2 && is_leap(y) ? 29 : mdays[m - 1];
}

bool
ct_date_valid(int y, int m, int d)
{
	return y >= 1 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 && d <= month_days(y, m);
}

/* civil date of a day count from 1970-01-01 (Howard Hinnant's algorithm) */
static void
civil_from_days(int64_t z, int *y, int *m, int *d)
{
	int64_t		era,
				yoe,
				doy,
				mp;
	unsigned	doe;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned) (z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int) (doy - (153 * mp + 2) / 5 + 1);
	*m = (int) (mp < 10 ? mp + 3 : mp - 9);
	*y = (int) (yoe + era * 400 + (*m <= 2));
}

/* ASCII letter of a Latin-1 supplement letter (U+00C0..U+00FF), or 0 */
static char
latin1_base(unsigned cp)
{
	static const char base[] =
		"aaaaaaaceeeeiiiidnooooo ouuuuyts"	/* U+00C0..U+00DF */
		"aaaaaaaceeeeiiiidnooooo ouuuuyty"; /* U+00E0..U+00FF */

	if (cp < 0xC0 || cp > 0xFF || base[cp - 0xC0] == ' ')
		return 0;
	return base[cp - 0xC0];
}

static const struct
{
	const char *name;
	int			month;
}			month_names[] = {
	/* English */
	{"january", 1}, {"february", 2}, {"march", 3}, {"april", 4}, {"may", 5}, {"june", 6},
	{"july", 7}, {"august", 8}, {"september", 9}, {"october", 10}, {"november", 11}, {"december", 12},
	/* Spanish (setiembre in Peru and Uruguay) */
	{"enero", 1}, {"febrero", 2}, {"marzo", 3}, {"abril", 4}, {"mayo", 5}, {"junio", 6},
	{"julio", 7}, {"agosto", 8}, {"septiembre", 9}, {"setiembre", 9}, {"octubre", 10},
	{"noviembre", 11}, {"diciembre", 12},
	/* Portuguese */
	{"janeiro", 1}, {"fevereiro", 2}, {"marco", 3}, {"maio", 5}, {"junho", 6}, {"julho", 7},
	{"setembro", 9}, {"outubro", 10}, {"novembro", 11}, {"dezembro", 12},
	/* French */
	{"janvier", 1}, {"fevrier", 2}, {"mars", 3}, {"avril", 4}, {"mai", 5}, {"juin", 6},
	{"juillet", 7}, {"aout", 8}, {"septembre", 9}, {"octobre", 10}, {"novembre", 11}, {"decembre", 12},
	/* German */
	{"januar", 1}, {"februar", 2}, {"marz", 3}, {"juni", 6}, {"juli", 7}, {"oktober", 10},
	{"dezember", 12},
	/* Italian */
	{"gennaio", 1}, {"febbraio", 2}, {"aprile", 4}, {"maggio", 5}, {"giugno", 6}, {"luglio", 7},
	{"settembre", 9}, {"ottobre", 10}, {"dicembre", 12},
};

/* words that may stand between the parts of a written date */
static const char *const filler_words[] = {
	"de", "del", "of", "the", "do", "da", "le", "der", "di",
	/* week days, as Excel's long date format writes them */
	"lunes", "martes", "miercoles", "jueves", "viernes", "sabado", "domingo",
	"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
	"mon", "tue", "wed", "thu", "fri", "sat", "sun",
	"segunda", "terca", "quarta", "quinta", "sexta", "feira",
	NULL
};

/*
 * The month a (folded, lower-case ASCII) word names: a full name, or a
 * prefix of at least 3 letters of names that all agree ("sept", "mar",
 * "ene"); 0 when it names none or several; -1 for a filler word.
 */
static int
word_month(const char *w, size_t n)
{
	int			month = 0;

	for (int i = 0; filler_words[i]; i++)
		if (strlen(filler_words[i]) == n && memcmp(filler_words[i], w, n) == 0)
			return -1;
	if (n < 3)
		return 0;
	for (size_t i = 0; i < sizeof(month_names) / sizeof(month_names[0]); i++)
	{
		const char *name = month_names[i].name;

		if (strlen(name) == n && memcmp(name, w, n) == 0)
			return month_names[i].month;
		if (strlen(name) > n && memcmp(name, w, n) == 0)
		{
			if (month != 0 && month != month_names[i].month)
				month = -2;		/* ambiguous prefix (jui: juin or juillet) */
			else if (month != -2)
				month = month_names[i].month;
		}
	}
	return month < 0 ? 0 : month;
}

#define MAX_TOKENS 8

typedef struct Token
{
	bool		is_word;
	int			value;			/* number, or month of a word */
	int			width;			/* digits */
} Token;

static int
expand_year(int y, int width, int pivot)
{
	if (width > 2)
		return y;
	return y <= pivot ? 2000 + y : 1900 + y;
}

/* time of day: hh:mm[:ss[.f...]] [am|pm|a.m.|p.m.] */
static const CtReason *
parse_time(const char *s, const char *end, CtDate *out)
{
	int			part[3] = {0, 0, 0};
	int			np = 0,
				width = 0;
	int			usec = 0,
				ufrac = 0;
	bool		pm = false,
				am = false;

	while (s < end && np < 3)
	{
		if (*s >= '0' && *s <= '9')
		{
			if (++width > 2)
				return &ct_date_bad_time;
			part[np] = part[np] * 10 + (*s - '0');
			s++;
		}
		else if (*s == ':' && np < 2 && width > 0)
		{
			np++;
			width = 0;
			s++;
		}
		else
			break;
	}
	if (width == 0 || np == 0)
		return &ct_date_bad_time;
	if (np == 2 && s < end && (*s == '.' || *s == ','))
	{
		s++;
		if (s >= end || *s < '0' || *s > '9')
			return &ct_date_bad_time;
		while (s < end && *s >= '0' && *s <= '9')
		{
			if (ufrac < 6)
			{
				usec = usec * 10 + (*s - '0');
				ufrac++;
			}
			s++;
		}
		while (ufrac++ < 6)
			usec *= 10;
	}
	while (s < end && *s == ' ')
		s++;
	if (s < end)
	{
		char		w[5];
		size_t		n = 0;

		for (; s < end && n < sizeof(w); s++)
		{
			char		c = (char) (*s | 0x20);

			if (*s == '.' || *s == ' ')
				continue;
			w[n++] = c;
		}
		if (s < end || n != 2 || w[1] != 'm' || (w[0] != 'a' && w[0] != 'p'))
			return &ct_date_bad_time;
		pm = w[0] == 'p';
		am = !pm;
	}
	if (am || pm)
	{
		if (part[0] < 1 || part[0] > 12)
			return &ct_date_bad_time;
		part[0] = part[0] % 12 + (pm ? 12 : 0);
	}
	if (part[0] > 23 || part[1] > 59 || part[2] > 59)
		return &ct_date_bad_time;
	out->has_time = true;
	out->hour = part[0];
	out->minute = part[1];
	out->second = part[2];
	out->usec = usec;
	return NULL;
}

static const CtReason *
parse_serial(const char *s, const char *end, CtDate *out)
{
	int64_t		n = 0;
	int			width = 0;

	for (; s < end && *s >= '0' && *s <= '9'; s++)
	{
		if (n <= SERIAL_MAX)
			n = n * 10 + (*s - '0');
		width++;
	}
	if (n < SERIAL_MIN || n > SERIAL_MAX)
		return &ct_date_serial_range;
	/* 1899-12-30 is day -25569 from 1970-01-01 */
	civil_from_days(n - 25569, &out->year, &out->month, &out->day);
	if (s < end)
	{
		/* the fraction of a day is the time */
		double		frac = 0,
					scale = 0.1;
		int64_t		secs;

		for (s++; s < end; s++, scale /= 10)
			frac += (*s - '0') * scale;
		secs = (int64_t) (frac * 86400 + 0.5);
		if (secs >= 86400)
			secs = 86399;
		out->has_time = true;
		out->hour = (int) (secs / 3600);
		out->minute = (int) (secs / 60 % 60);
		out->second = (int) (secs % 60);
	}
	return NULL;
}

/* whether [s, end) is digits with an optional fraction: a serial's shape */
static bool
serial_shape(const char *s, const char *end, int *int_digits)
{
	const char *p = s;

	while (p < end && *p >= '0' && *p <= '9')
		p++;
	*int_digits = (int) (p - s);
	if (p == s)
		return false;
	if (p < end && *p == '.')
	{
		const char *f = ++p;

		while (p < end && *p >= '0' && *p <= '9')
			p++;
		if (p == f)
			return false;
	}
	return p == end;
}

const CtReason *
ct_date_parse(const char *s, size_t len, const CtDateRules *rules, CtDate *out)
{
	const char *end = s + len;
	const char *time_start = NULL;
	Token		tok[MAX_TOKENS];
	int			ntok = 0,
				nnum = 0,
				nword = 0;
	int			y = 0,
				m = 0,
				d = 0;
	int			digits;
	const char *p;
	CtDateOrder order = rules->order;

	memset(out, 0, sizeof(*out));
	while (s < end && (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n'))
		s++;
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r' || end[-1] == '\n'))
		end--;
	if (s == end)
		return &ct_date_unreadable;

	if (serial_shape(s, end, &digits) && digits != 8)
	{
		if (digits <= 4)
			return &ct_date_incomplete;
		if (!rules->serials)
			return &ct_date_unreadable;
		return parse_serial(s, end, out);
	}

	/* the time starts at the number before the first ':' */
	for (p = s; p < end; p++)
		if (*p == ':')
		{
			const char *t = p;

			while (t > s && t[-1] >= '0' && t[-1] <= '9')
				t--;
			if (t == p || t == s)
				return &ct_date_unreadable;
			time_start = t;
			break;
		}

	for (p = s; p < (time_start ? time_start : end);)
	{
		unsigned char c = (unsigned char) *p;

		if (c >= '0' && c <= '9')
		{
			int			v = 0,
						w = 0;

			for (; p < end && *p >= '0' && *p <= '9'; p++, w++)
				if (w < 9)
					v = v * 10 + (*p - '0');
			if (ntok == MAX_TOKENS || w > 8)
				return &ct_date_unreadable;
			tok[ntok].is_word = false;
			tok[ntok].value = v;
			tok[ntok].width = w;
			ntok++;
			nnum++;
		}
		else if (((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || c >= 0xC0)
		{
			char		w[16];
			size_t		n = 0;
			int			month;

			while (p < end)
			{
				c = (unsigned char) *p;
				if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')
				{
					if (n < sizeof(w))
						w[n] = (char) (c | 0x20);
					n++;
					p++;
				}
				else if (c == 0xC3 && p + 1 < end && latin1_base(0xC0 + ((unsigned char) p[1] & 0x3F)))
				{
					if (n < sizeof(w))
						w[n] = latin1_base(0xC0 + ((unsigned char) p[1] & 0x3F));
					n++;
					p += 2;
				}
				else
					break;
			}
			if (n == 0)
				return &ct_date_unreadable;
			/* ISO's T between date and time */
			if (n == 1 && w[0] == 't' && ntok > 0 && time_start == p)
				continue;
			if (n > sizeof(w))
				return &ct_date_unreadable;
			month = word_month(w, n);
			if (month == 0)
				return &ct_date_unreadable;
			if (month < 0)
				continue;
			if (ntok == MAX_TOKENS)
				return &ct_date_unreadable;
			tok[ntok].is_word = true;
			tok[ntok].value = month;
			tok[ntok].width = 0;
			ntok++;
			nword++;
		}
		else if (c == '/' || c == '-' || c == '.' || c == ',' || c == ' ' || c == '\t')
			p++;
		else
			return &ct_date_unreadable;
	}

	if (nword > 1)
		return &ct_date_unreadable;
	if (nword == 1)
	{
		int			a = -1,
					b = -1;

		if (nnum != 2)
			return nnum < 2 ? &ct_date_incomplete : &ct_date_unreadable;
		for (int i = 0; i < ntok; i++)
			if (tok[i].is_word)
				m = tok[i].value;
			else if (a < 0)
				a = i;
			else
				b = i;
		/* the year is the 4-digit number (or above 31); else the second */
		if (tok[a].width >= 3 || tok[a].value > 31)
		{
			int			t = a;

			a = b;
			b = t;
		}
		if (tok[a].width > 2 || tok[b].width == 3)
			return &ct_date_unreadable;
		d = tok[a].value;
		y = expand_year(tok[b].value, tok[b].width, rules->pivot);
	}
	else if (nnum == 1 && tok[0].width == 8)
	{
		y = tok[0].value / 10000;
		m = tok[0].value / 100 % 100;
		d = tok[0].value % 100;
	}
	else if (nnum != 3)
		return nnum < 3 ? &ct_date_incomplete : &ct_date_unreadable;
	else
	{
		Token	   *t = tok;

		if (t[1].width > 2 || t[0].width == 3 || t[2].width == 3 ||
			t[0].width > 4 || t[2].width > 4 || (t[0].width == 4 && t[2].width == 4))
			return &ct_date_unreadable;
		if (t[0].width == 4)
		{
			if (t[2].width > 2)
				return &ct_date_unreadable;
			y = t[0].value;
			m = t[1].value;
			d = t[2].value;
		}
		else
		{
			CtDateOrder o = order;

			/* the year is last, unless the order puts it first */
			if (o == CT_DATE_YMD && t[2].width == 4)
				o = CT_DATE_DMY;
			if (o == CT_DATE_ORDER_UNKNOWN)
			{
				/* a day above 12 tells the order; two equal numbers need none */
				if (t[0].value > 12 && t[1].value <= 12)
					o = CT_DATE_DMY;
				else if (t[1].value > 12 && t[0].value <= 12)
					o = CT_DATE_MDY;
				else if (t[0].value == t[1].value)
					o = CT_DATE_DMY;
				else if (t[0].value > 12 && t[1].value > 12)
					return &ct_date_impossible;
				else
					return &ct_date_ambiguous;
				if (t[2].width != 4)
					return &ct_date_ambiguous;
			}
			switch (o)
			{
				case CT_DATE_YMD:
					y = expand_year(t[0].value, t[0].width, rules->pivot);
					m = t[1].value;
					d = t[2].value;
					break;
				case CT_DATE_MDY:
					m = t[0].value;
					d = t[1].value;
					y = expand_year(t[2].value, t[2].width, rules->pivot);
					break;
				default:
					d = t[0].value;
					m = t[1].value;
					y = expand_year(t[2].value, t[2].width, rules->pivot);
					break;
			}
		}
	}
	if (y < 1 || y > 9999)
		return &ct_date_year_range;
	if (!ct_date_valid(y, m, d))
		return &ct_date_impossible;
	out->year = y;
	out->month = m;
	out->day = d;
	if (time_start)
		return parse_time(time_start, end, out);
	return NULL;
}

static char *
put_digits(char *p, int v, int width)
{
	for (int i = width - 1; i >= 0; i--, v /= 10)
		p[i] = (char) ('0' + v % 10);
	return p + width;
}

size_t
ct_date_format(const CtDate *d, bool with_time, char *buf)
{
	char	   *p = buf;

	p = put_digits(p, d->year, 4);
	*p++ = '-';
	p = put_digits(p, d->month, 2);
	*p++ = '-';
	p = put_digits(p, d->day, 2);
	if (with_time)
	{
		*p++ = ' ';
		p = put_digits(p, d->hour, 2);
		*p++ = ':';
		p = put_digits(p, d->minute, 2);
		*p++ = ':';
		p = put_digits(p, d->second, 2);
		if (d->usec)
		{
			*p++ = '.';
			p = put_digits(p, d->usec, 6);
		}
	}
	*p = '\0';
	return (size_t) (p - buf);
}

const CtReason *
ct_birth_date_check(const CtDate *d, int today_y, int today_m, int today_d)
{
	long		v = (long) d->year * 10000 + d->month * 100 + d->day;

	if (v > (long) today_y * 10000 + today_m * 100 + today_d)
		return &ct_birth_date_future;
	if (d->year < 1900)
		return &ct_birth_date_too_old;
	return NULL;
}
