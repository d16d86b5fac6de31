# contacts: PGXS build.  `make && make install`, then CREATE EXTENSION contacts.
# The test suite and the demo are shell scripts that also set up a throwaway
# cluster: see README.md (bash test/run.sh, bash test/demo.sh).

EXTENSION = contacts
EXTVERSION = $(shell sed -n "s/^default_version *= *'\(.*\)'/\1/p" $(EXTENSION).control)

MODULE_big = contacts
OBJS = $(patsubst %.c,%.o,$(sort $(wildcard src/*.c src/core/*.c)))

# The install script is the concatenation of the per-topic parts.
SQL_PARTS = $(sort $(wildcard src/sql/*.sql))
DATA_built = $(EXTENSION)--$(EXTVERSION).sql
# Earlier releases: the 0.1.0 install script as released (a base that
# CREATE EXTENSION ... VERSION and pg_upgrade can start from) and the update
# scripts from each release to the next.
DATA = $(wildcard src/sql/upgrade/$(EXTENSION)--*.sql)

REGRESS = $(patsubst sql/%.sql,%,$(sort $(wildcard sql/*.sql)))
REGRESS_OPTS = --load-extension=$(EXTENSION)

# As PGXS runs them against an existing server: `make installcheck` runs
# pg_regress and the isolation specs, `make prove_installcheck` the TAP
# tests (each starts clusters of its own).  bash test/run.sh wraps it all
# around a throwaway cluster.
ISOLATION = $(patsubst test/isolation/specs/%.spec,%,$(sort $(wildcard test/isolation/specs/*.spec)))
ISOLATION_OPTS = --inputdir=test/isolation --load-extension=$(EXTENSION)
TAP_TESTS = 1
PROVE_TESTS = $(sort $(wildcard test/t/*.pl))
PROVE_FLAGS = -I test/t

ICU_CFLAGS := $(shell pkg-config --cflags icu-uc icu-i18n)
ICU_LIBS := $(shell pkg-config --libs icu-uc icu-i18n)

PG_CPPFLAGS = -I$(srcdir)/src $(ICU_CFLAGS) -DCONTACTS_VERSION='"$(EXTVERSION)"'
# -Wno-unused-parameter: PostgreSQL's own headers (ilist.h, bufpage.h) trip -Wextra's
# unused-parameter check; everything else -Wextra enables stays an error.
PG_CFLAGS = -Wall -Wextra -Werror -Wno-unused-parameter
# Calls into the server (palloc, detoasting) go straight through the GOT, not
# a PLT stub: the entry trigger makes several per value, and a COPY through
# it measured about 1.3% faster.
PG_CFLAGS += -fno-plt
SHLIB_LINK = $(ICU_LIBS)

EXTRA_CLEAN = $(DATA_built) .pg_version

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# PGXS tracks no header dependencies (and its autodepend keys .deps files by
# base name, which src/email.c and src/core/email.c would share): rebuild
# every object when any header changes, so a table layout change can never
# leave a stale object behind.
$(OBJS): $(wildcard src/*.h src/core/*.h)

# Nor does it track which server the objects were built for: .pg_version
# names it, and changes (rebuilding every object) when PG_CONFIG points at
# another version, so one tree can be built for 15 and then for 18.
$(OBJS): .pg_version
.pg_version: FORCE
	@echo '$(VERSION)' | cmp -s - $@ || echo '$(VERSION)' > $@
.PHONY: FORCE

$(EXTENSION)--$(EXTVERSION).sql: $(SQL_PARTS) $(EXTENSION).control
	cat $(SQL_PARTS) > $@

# Core unit tests, sanitizer builds and fuzz targets (no server needed).
.PHONY: unit sanitize fuzz
unit sanitize fuzz:
	$(MAKE) -C test $@

# Dev-time only (building never needs it): regenerate the phone tables from a
# libphonenumber PhoneNumberMetadata.xml, print what changed against the
# current ones (tools/phone_metadata_report.py), then replace them.
#   make phone-metadata PHONE_METADATA_XML=path/PhoneNumberMetadata.xml \
#        PHONE_METADATA_VERSION='libphonenumber metadata ... (date, release)'
# PHONE_METADATA_OUT names other tables to compare and replace (the test's).
PHONE_METADATA_OUT ?= src/core/phone_metadata.c
.PHONY: phone-metadata
phone-metadata:
	@test -r "$(PHONE_METADATA_XML)" -a -n "$(PHONE_METADATA_VERSION)" || { \
		echo "usage: make phone-metadata PHONE_METADATA_XML=PhoneNumberMetadata.xml PHONE_METADATA_VERSION='text'" >&2; exit 2; }
	@tmp=$$(mktemp -d) && new=$$tmp/$(notdir $(PHONE_METADATA_OUT)) && \
	python3 tools/gen_phone_metadata.py --check --version '$(PHONE_METADATA_VERSION)' \
		'$(PHONE_METADATA_XML)' $$new && \
	python3 tools/phone_metadata_report.py '$(PHONE_METADATA_OUT)' $$new && \
	mv $$new '$(PHONE_METADATA_OUT)'; rc=$$?; rm -rf $$tmp; exit $$rc
