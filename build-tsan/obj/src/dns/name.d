build-tsan/obj/src/dns/name.o: src/dns/name.c src/dns/name.h \
 src/core/err.h
src/dns/name.h:
src/core/err.h:
