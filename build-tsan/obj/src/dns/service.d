build-tsan/obj/src/dns/service.o: src/dns/service.c src/dns/service.h \
 src/core/svc.h src/core/cfg.h src/core/net.h src/core/ctl.h \
 src/core/log.h src/dns/auth.h src/dns/wire.h src/dns/name.h src/dns/rr.h \
 src/dns/zonedb.h src/core/err.h src/dns/recurse.h src/dns/cache.h \
 src/dns/resolver.h src/dns/tcp.h src/dns/udp.h src/dns/zone.h
src/dns/service.h:
src/core/svc.h:
src/core/cfg.h:
src/core/net.h:
src/core/ctl.h:
src/core/log.h:
src/dns/auth.h:
src/dns/wire.h:
src/dns/name.h:
src/dns/rr.h:
src/dns/zonedb.h:
src/core/err.h:
src/dns/recurse.h:
src/dns/cache.h:
src/dns/resolver.h:
src/dns/tcp.h:
src/dns/udp.h:
src/dns/zone.h:
