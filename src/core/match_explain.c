/*
 * match_explain.c
 *		A comparison vector and its weights as JSON (ct_explain,
 *		match_model.h).
 */
#include <stdio.h>
#include <string.h>

#include "match_model.h"

/* ---------------------------------------------------------------- explain */

typedef struct Out
{
	char	   *buf;
	size_t		cap;
	size_t		len;
} Out;

static void
out_raw(Out *o, const char *s, size_t n)
{
	if (o->len < o->cap)
	{
		size_t		room = o->cap - o->len;

		memcpy(o->buf + o->len, s, n < room ? n : room);
	}
	o->len += n;
}

static void
out_json_string(Out *o, const char *s)
{
	out_raw(o, "\"", 1);
	for (; *s; s++)
	{
		unsigned char c = (unsigned char) *s;

		if (c == '"' || c == '\\')
		{
			out_raw(o, "\\", 1);
			out_raw(o, s, 1);
		}
		else if (c < 0x20)
		{
			char		esc[8];

			snprintf(esc, sizeof(esc), "\\u%04x", c);
			out_raw(o, esc, 6);
		}
		else
			out_raw(o, s, 1);
	}
	out_raw(o, "\"", 1);
}

size_t
ct_explain(const CtMatchModel *model, const char *const *field_names, const uint8_t *gamma,
		   const double *weights, char *buf, size_t cap)
{
	Out			o = {buf, cap, 0};
	bool		first = true;

	out_raw(&o, "{", 1);
	for (int f = 0; f < model->nfields; f++)
	{
		char		num[48];
		int			n;

		if (!first)
			out_raw(&o, ", ", 2);
		first = false;
		out_json_string(&o, field_names[f]);
		out_raw(&o, ": {\"level\": ", 12);
		out_json_string(&o, ct_field_level_name(model->field[f].kind, gamma[f]));
		n = snprintf(num, sizeof(num), ", \"weight\": %.2f}", weights[f] == 0 ? 0.0 : weights[f]);
		out_raw(&o, num, (size_t) n);
	}
	out_raw(&o, "}", 1);
	if (cap > 0)
		buf[o.len < cap ? o.len : cap - 1] = '\0';
	return o.len + 1;
}
