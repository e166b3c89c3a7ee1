build-tsan/obj/src/dns/recurse.o: src/dns/recurse.c src/dns/recurse.h \
 src/core/net.h src/dns/auth.h src/dns/wire.h src/dns/name.h src/dns/rr.h \
 src/dns/zonedb.h src/dns/cache.h src/dns/resolver.h src/core/cfg.h \
 src/core/arena.h src/core/clock.h src/core/err.h src/core/log.h
src/dns/recurse.h:
src/core/net.h:
src/dns/auth.h:
src/dns/wire.h:
src/dns/name.h:
src/dns/rr.h:
src/dns/zonedb.h:
src/dns/cache.h:
src/dns/resolver.h:
src/core/cfg.h:
src/core/arena.h:
src/core/clock.h:
src/core/err.h:
src/core/log.h:
