build-tsan/obj/src/core/line.o: src/core/line.c src/core/line.h \
 src/core/net.h src/core/log.h
src/core/line.h:
src/core/net.h:
src/core/log.h:
