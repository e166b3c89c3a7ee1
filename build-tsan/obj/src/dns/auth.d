build-tsan/obj/src/dns/auth.o: src/dns/auth.c src/dns/auth.h \
 src/dns/wire.h src/dns/name.h src/dns/rr.h src/dns/zonedb.h \
 src/core/net.h src/core/arena.h src/core/err.h
src/dns/auth.h:
src/dns/wire.h:
src/dns/name.h:
src/dns/rr.h:
src/dns/zonedb.h:
src/core/net.h:
src/core/arena.h:
src/core/err.h:
