# dualmaster: build, test, install. GNU make, no autotools.
VERSION   := 0.1.0
PREFIX    ?= /usr/local
SBINDIR   ?= $(PREFIX)/sbin
BINDIR    ?= $(PREFIX)/bin
DATADIR   ?= $(PREFIX)/share/dualmaster
SYSCONFDIR ?= /etc
UNITDIR   ?= $(PREFIX)/lib/systemd/system
MANDIR    ?= $(PREFIX)/share/man
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
FIREWALLDDIR ?= $(PREFIX)/lib/firewalld/services
DESTDIR   ?=

CC        ?= cc
PKGS      := libmariadb libconfuse libnl-3.0 libnl-route-3.0 libsystemd
# pkg-config runs when a recipe first needs it, not when the Makefile is read: `make deps test`
# installs the packages in its first goal and builds with them in the second.
PKG_CFLAGS = $(eval PKG_CFLAGS := $$(shell pkg-config --cflags $(PKGS) 2>/dev/null))$(PKG_CFLAGS)
PKG_LIBS   = $(eval PKG_LIBS := $$(shell pkg-config --libs $(PKGS) 2>/dev/null))$(PKG_LIBS)
CMOCKA_LIBS = $(eval CMOCKA_LIBS := $$(shell pkg-config --libs cmocka 2>/dev/null))$(CMOCKA_LIBS)
CONFUSE_LIBS = $(eval CONFUSE_LIBS := $$(shell pkg-config --libs libconfuse 2>/dev/null))$(CONFUSE_LIBS)
WARN      := -Wall -Wextra -Werror
CFLAGS    ?= -O2 -g
# CPPFLAGS and LDFLAGS are the distribution's (hardening, -D_FORTIFY_SOURCE, -Wl,-z,relro...).
DM_CFLAGS  = $(CPPFLAGS) $(CFLAGS) $(WARN) -std=gnu11 -D_GNU_SOURCE -DDM_VERSION='"$(VERSION)"' $(PKG_CFLAGS)
LDLIBS     = $(PKG_LIBS) -lpthread
SAN       := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

# The pure core: no sockets, no clock, no libraries but libc. Its unit tests link this alone, so
# a core module that reaches for I/O fails to link there.
CORE_SRC  := conf_check ctl_cmd db_err db_job db_state failover gtid heal health_policy history_format lease repl_status sup_sequence sup_witness state_file \
	     status_format status_text sup_heal sup_inputs sup_prefence sup_read_vip sup_rules sup_status supervisor vrrp_fsm vrrp_packet \
	     ka_import vrrp_packet6 ndisc
CORE_OBJ  := $(CORE_SRC:%=build/obj/%.o)
CORE_SAN  := $(CORE_SRC:%=build/san/%.o)
# Every other src/*.c except the two programs' mains is the daemon's I/O shell.
PROG_SRC  := src/main.c src/dualmasterctl.c
SHELL_OBJ := $(filter-out $(CORE_OBJ),$(patsubst src/%.c,build/obj/%.o,$(filter-out $(PROG_SRC),$(wildcard src/*.c))))
SHELL_SAN := $(SHELL_OBJ:build/obj/%=build/san/%)
LIB_OBJ   := $(CORE_OBJ) $(SHELL_OBJ)
SAN_OBJ   := $(CORE_SAN) $(SHELL_SAN)
UNIT_SRC  := $(sort $(wildcard tests/unit/test_*.c))
# Unit tests of shell modules (sockets, children, libconfuse); all others test the core alone.
UNIT_SHELL := test_conf test_ctl_server test_garp test_hooks test_log test_notify test_tiebreaker
UNIT_BIN  := $(UNIT_SRC:tests/unit/%.c=build/unit/%)
UNIT_SAN  := $(UNIT_SRC:tests/unit/%.c=build/unit-san/%)
unit_objs  = $(if $(filter $(1),$(UNIT_SHELL)),$(2) $(3) $(LDLIBS),$(2))

.PHONY: all deps test unit unit-san unit-valgrind fuzz integration install clean demo bench rpm
all: dualmasterd dualmasterctl

build/obj/%.o: src/%.c $(wildcard src/*.h) | build/obj
	$(CC) $(DM_CFLAGS) -c -o $@ $<
build/san/%.o: src/%.c $(wildcard src/*.h) | build/san
	$(CC) $(DM_CFLAGS) $(SAN) -c -o $@ $<
build/obj build/san build/unit build/unit-san build/fuzz:
	mkdir -p $@

# ka_import (keepalived.conf to dualmaster.conf) is the control client's alone.
CTL_CORE_OBJ := build/obj/ka_import.o
dualmasterd: build/obj/main.o $(filter-out $(CTL_CORE_OBJ),$(LIB_OBJ))
	$(CC) $(DM_CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)
# The daemon under AddressSanitizer/UBSan, for the integration test that runs it for real.
build/san/dualmasterd: build/san/main.o $(filter-out $(CTL_CORE_OBJ:build/obj/%=build/san/%),$(SAN_OBJ))
	$(CC) $(DM_CFLAGS) $(SAN) $(LDFLAGS) -o $@ $^ $(LDLIBS)
# The control client speaks to a unix socket: it needs none of the daemon's libraries.
dualmasterctl: build/obj/dualmasterctl.o build/obj/log.o $(CTL_CORE_OBJ)
	$(CC) $(DM_CFLAGS) $(LDFLAGS) -o $@ $^

build/unit/%: tests/unit/%.c $(wildcard tests/unit/*.h) $(LIB_OBJ) | build/unit
	$(CC) $(DM_CFLAGS) $(LDFLAGS) -Isrc -o $@ $< $(call unit_objs,$*,$(CORE_OBJ),$(SHELL_OBJ)) $(CMOCKA_LIBS)
build/unit-san/%: tests/unit/%.c $(wildcard tests/unit/*.h) $(SAN_OBJ) | build/unit-san
	$(CC) $(DM_CFLAGS) $(SAN) $(LDFLAGS) -Isrc -o $@ $< $(call unit_objs,$*,$(CORE_SAN),$(SHELL_SAN)) $(CMOCKA_LIBS)
# Small helpers for the integration tests, linked against the library objects.
build/tools/%: tests/tools/%.c $(LIB_OBJ)
	@mkdir -p $(@D)
	$(CC) $(DM_CFLAGS) $(LDFLAGS) -Isrc -o $@ $< $(LIB_OBJ) $(LDLIBS)

# make deps: the build, test and demo dependencies from the distribution's packages.
deps:
	@if command -v apt-get >/dev/null; then \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
		  make gcc clang pkg-config libmariadb-dev libconfuse-dev libnl-3-dev libnl-route-3-dev \
		  libsystemd-dev libcmocka-dev valgrind libclang-rt-14-dev iproute2 nftables procps \
		  mariadb-server mariadb-client keepalived iputils-ping systemd rpm python3 python3-matplotlib python3-prometheus-client mandoc; \
	elif command -v dnf >/dev/null || command -v yum >/dev/null; then \
		pm=$$(command -v dnf || command -v yum); \
		$$pm install -y epel-release dnf-plugins-core || true; \
		$$pm config-manager --set-enabled crb 2>/dev/null || $$pm config-manager --set-enabled powertools 2>/dev/null || true; \
		$$pm install -y make gcc clang pkgconf-pkg-config mariadb-connector-c-devel libconfuse-devel \
		  libnl3-devel systemd-devel libcmocka-devel valgrind iproute nftables procps-ng \
		  mariadb-server mariadb keepalived iputils rpm-build python3 python3-matplotlib python3-prometheus_client mandoc; \
	else echo "make deps: no apt-get, dnf or yum; install the packages listed in README.md" >&2; exit 1; fi

unit: $(UNIT_BIN)
	@tests/run-unit.sh plain $(UNIT_BIN)
unit-san: $(UNIT_SAN)
	@tests/run-unit.sh asan $(UNIT_SAN)
unit-valgrind: $(UNIT_BIN)
	@tests/run-unit.sh valgrind $(UNIT_BIN)

FUZZ_SECONDS ?= 20
fuzz: | build/fuzz
	@tests/fuzz/run.sh $(FUZZ_SECONDS)

integration: all
	@tests/integration/run.sh

# The two-node demo in network namespaces (root): failover of the master under a writer.
demo: all
	@tests/lab/demo.sh

# The failover benchmark against keepalived (root, long: TRIALS=3 for a quick run); writes
# bench/results/<date>.csv, bench/RESULTS.md and bench/failover.png. Not part of `make test`.
bench: all
	@bench/failover

# Every test: unit tests plain, under ASan/UBSan and under valgrind, the bounded fuzz run,
# then the namespace tests with real mariadbd and keepalived.
test: all
	@tests/run-all.sh

# The configuration is installed only where none exists: `make install` over a running node must not
# replace what the operator wrote. Its directory goes to the daemon's group when that group exists.
install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR) $(DESTDIR)$(SYSCONFDIR)/dualmaster \
		$(DESTDIR)$(DATADIR)/sql $(DESTDIR)$(UNITDIR) $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(SYSUSERSDIR) $(DESTDIR)$(FIREWALLDDIR)
	install -m 0755 dualmasterd $(DESTDIR)$(SBINDIR)/dualmasterd
	install -m 0755 dualmasterctl $(DESTDIR)$(BINDIR)/dualmasterctl
	if [ -e $(DESTDIR)$(SYSCONFDIR)/dualmaster/dualmaster.conf ]; then \
		echo "install: keeping $(DESTDIR)$(SYSCONFDIR)/dualmaster/dualmaster.conf (the shipped one is $(DATADIR)/dualmaster.conf.example)"; \
	else install -m 0640 conf/dualmaster.conf $(DESTDIR)$(SYSCONFDIR)/dualmaster/dualmaster.conf; fi
	install -m 0644 conf/dualmaster.conf $(DESTDIR)$(DATADIR)/dualmaster.conf.example
	if [ -z "$(DESTDIR)" ] && getent group dualmaster >/dev/null; then \
		chgrp dualmaster $(SYSCONFDIR)/dualmaster $(SYSCONFDIR)/dualmaster/dualmaster.conf && \
		chmod 0750 $(SYSCONFDIR)/dualmaster; fi
	install -m 0644 sql/*.sql sql/*.cnf $(DESTDIR)$(DATADIR)/sql/
	sed 's|@SBINDIR@|$(SBINDIR)|g; s|@BINDIR@|$(BINDIR)|g' conf/dualmasterd.service > $(DESTDIR)$(UNITDIR)/dualmasterd.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/dualmasterd.service
	install -m 0644 man/dualmasterd.8 man/dualmasterctl.8 $(DESTDIR)$(MANDIR)/man8/
	install -m 0644 man/dualmaster.conf.5 $(DESTDIR)$(MANDIR)/man5/
	install -m 0644 packaging/dualmaster.sysusers $(DESTDIR)$(SYSUSERSDIR)/dualmaster.conf
	install -m 0644 packaging/firewalld/dualmaster-vrrp.xml $(DESTDIR)$(FIREWALLDDIR)/dualmaster-vrrp.xml

# make rpm: binary and source RPMs under build/rpm from the committed tree (git archive HEAD).
# --nodeps: rpmbuild checks BuildRequires against the rpm database, which on Debian/Ubuntu (rpm
# package) holds none of the EL package names; there the libraries come from apt (make deps).
RPM_TOPDIR := $(CURDIR)/build/rpm
rpm:
	rm -rf $(RPM_TOPDIR)
	mkdir -p $(RPM_TOPDIR)/SOURCES
	git archive --format=tar.gz --prefix=dualmaster-$(VERSION)/ \
		-o $(RPM_TOPDIR)/SOURCES/dualmaster-$(VERSION).tar.gz HEAD
	rpmbuild -ba --nodeps --define "_topdir $(RPM_TOPDIR)" --define "dm_version $(VERSION)" \
		packaging/dualmaster.spec

clean:
	rm -rf build dualmasterd dualmasterctl
