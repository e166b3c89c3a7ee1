build-tsan/obj/src/dns/resolver.o: src/dns/resolver.c src/dns/resolver.h \
 src/core/cfg.h src/core/net.h src/dns/cache.h src/dns/name.h \
 src/dns/rr.h src/dns/wire.h src/core/arena.h src/core/err.h \
 src/dns/zone.h
src/dns/resolver.h:
src/core/cfg.h:
src/core/net.h:
src/dns/cache.h:
src/dns/name.h:
src/dns/rr.h:
src/dns/wire.h:
src/core/arena.h:
src/core/err.h:
src/dns/zone.h:
