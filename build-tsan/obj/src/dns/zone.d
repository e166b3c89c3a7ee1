build-tsan/obj/src/dns/zone.o: src/dns/zone.c src/dns/zone.h \
 src/dns/name.h src/dns/rr.h src/core/arena.h src/core/cfg.h \
 src/core/net.h src/core/err.h src/core/fs.h
src/dns/zone.h:
src/dns/name.h:
src/dns/rr.h:
src/core/arena.h:
src/core/cfg.h:
src/core/net.h:
src/core/err.h:
src/core/fs.h:
