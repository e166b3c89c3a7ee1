build-tsan/obj/src/core/net.o: src/core/net.c src/core/net.h \
 src/core/err.h
src/core/net.h:
src/core/err.h:
