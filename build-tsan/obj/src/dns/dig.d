build-tsan/obj/src/dns/dig.o: src/dns/dig.c src/dns/dig.h \
 src/core/arena.h src/core/cfg.h src/core/net.h src/core/err.h \
 src/core/svc.h src/core/ctl.h src/core/log.h src/dns/resolver.h \
 src/dns/cache.h src/dns/name.h src/dns/rr.h src/dns/wire.h \
 src/dns/service.h src/dns/auth.h src/dns/zonedb.h src/dns/stub.h
src/dns/dig.h:
src/core/arena.h:
src/core/cfg.h:
src/core/net.h:
src/core/err.h:
src/core/svc.h:
src/core/ctl.h:
src/core/log.h:
src/dns/resolver.h:
src/dns/cache.h:
src/dns/name.h:
src/dns/rr.h:
src/dns/wire.h:
src/dns/service.h:
src/dns/auth.h:
src/dns/zonedb.h:
src/dns/stub.h:
