build-tsan/obj/src/dns/zonedb.o: src/dns/zonedb.c src/dns/zonedb.h \
 src/core/net.h src/dns/name.h src/dns/rr.h src/core/arena.h \
 src/core/cfg.h src/core/err.h
src/dns/zonedb.h:
src/core/net.h:
src/dns/name.h:
src/dns/rr.h:
src/core/arena.h:
src/core/cfg.h:
src/core/err.h:
