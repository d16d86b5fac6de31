/*
 * phone_tables.h
 *		Layout of the numbering tables that tools/gen_phone_metadata.py
 *		generates (src/core/phone_metadata.c) and the engine reads.
 *
 * Regular expressions of the metadata only ever see ASCII digit strings, so
 * the generator compiles them ahead of time into one of two forms:
 *	- a DFA over the ten digits, for the national number patterns (anchored
 *	  full match) and leading-digits patterns (some prefix matches; accepting
 *	  states are made absorbing so both are "run, then test the state");
 *	- a program for a small backtracking machine, for the patterns whose
 *	  capture groups or leftmost-first semantics matter (international
 *	  prefixes, national prefixes for parsing, format patterns).
 * Internal to the engine: not part of the public API (phone.h).
 */
#ifndef PHONE_TABLES_H
#define PHONE_TABLES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C"
{
#endif

/*
 * DFA state 0 is the dead state; a DFA is named by its start state (0 =
 * absent).  All DFAs share one table, in which equivalent states are merged
 * (DFAs share their tails), and the numbering fits 16 bits (about 8,500
 * states today; the generator refuses to go beyond).
 */
typedef struct PhoneDfaState
{
	uint16_t	next[10];
} PhoneDfaState;

/* Backtracking machine instructions. */
typedef enum PhoneOp
{
	PHONE_OP_CLASS,				/* consume one digit in mask */
	PHONE_OP_SPLIT,				/* try x, then y */
	PHONE_OP_JMP,				/* go to x */
	PHONE_OP_SAVE,				/* capture slot x := position */
	PHONE_OP_EOL,				/* at end of input */
	PHONE_OP_MATCH
} PhoneOp;

typedef struct PhoneInsn
{
	uint16_t	op;
	uint16_t	mask;			/* PHONE_OP_CLASS: bit d for digit d */
	uint16_t	x;				/* jump target (relative to program start) or
								 * capture slot */
	uint16_t	y;				/* PHONE_OP_SPLIT: second target */
} PhoneInsn;

/* A program: offset into insns; ngroups capture groups; -1 = absent. */
typedef struct PhoneProgram
{
	int32_t		start;
	int16_t		ngroups;
} PhoneProgram;

/* Number descriptions in the order of PhoneType (FIXED_LINE_OR_MOBILE unused). */
typedef struct PhoneDesc
{
	uint32_t	dfa;			/* national number pattern; 0 = no pattern */
	uint32_t	lengths;		/* bit n: n digits possible; 0 = inherit
								 * general (types) or none (general) */
	uint32_t	local_lengths;	/* bit n: n digits possible locally only */
} PhoneDesc;

typedef struct PhoneNumberFormat
{
	PhoneProgram pattern;		/* full match, groups feed the format */
	uint32_t	leading_digits; /* DFA of the last leadingDigits, 0 if none */
	const char *format;			/* "$1 $2-$3" */
	const char *national_prefix_rule;	/* "0$1", "($1)", or NULL */
} PhoneNumberFormat;

typedef struct PhoneTerritory
{
	char		id[4];			/* "AR", "001" */
	uint16_t	country_code;
	bool		main_country;	/* mainCountryForCode */
	bool		same_mobile_and_fixed_line_pattern;
	PhoneProgram international_prefix;
	PhoneProgram national_prefix_for_parsing;
	const char *national_prefix_transform_rule; /* "9$1" or NULL */
	const char *preferred_extn_prefix;	/* " ext. " replacement or NULL */
	uint32_t	leading_digits; /* territory leadingDigits DFA, 0 if none */
	uint32_t	valid;			/* DFA of the numbers general and some type
								 * describe, length checks included (what
								 * GetNumberType gives a type): 0 if none */
	PhoneDesc	general;
	PhoneDesc	types[11];		/* indexed by PhoneType up to VOICEMAIL */
	uint16_t	first_format;
	uint16_t	n_formats;
	uint16_t	first_intl_format;
	uint16_t	n_intl_formats; /* 0: INTERNATIONAL uses the national formats */
} PhoneTerritory;

/* Territories sharing a calling code, main country first, then XML order. */
typedef struct PhoneCallingCode
{
	uint16_t	country_code;
	uint16_t	first;			/* index into region_list */
	uint16_t	count;
} PhoneCallingCode;

typedef struct PhoneMetadata
{
	const char *version;
	const PhoneDfaState *dfa;
	const uint8_t *dfa_accept;
	const PhoneInsn *insns;
	const PhoneTerritory *territories;	/* geographic sorted by id, then
										 * "001" entities */
	int			n_territories;
	int			n_geo_territories;
	const PhoneNumberFormat *formats;
	const PhoneCallingCode *calling_codes;	/* sorted by country_code */
	int			n_calling_codes;
	const uint16_t *region_list;	/* territory indexes */
	const int16_t *calling_code_index;	/* [1000]: calling code -> index into
										 * calling_codes, or -1 */
	const int16_t *region_index;	/* [26 * 26]: "AR" -> territory index
									 * ((A-'A') * 26 + (R-'A')), or -1 */
} PhoneMetadata;

/* The tables the engine uses (one generated file defines it). */
extern const PhoneMetadata ct_phone_metadata;

/* Example numbers, emitted only into test tables (--examples). */
typedef struct PhoneExample
{
	const char *region;
	int			type;			/* PhoneType */
	const char *number;			/* national significant number */
} PhoneExample;

/* Terminated by a NULL region; defined only by tables built with --examples. */
extern const PhoneExample ct_phone_examples[];

#ifdef __cplusplus
}
#endif

#endif							/* PHONE_TABLES_H */
