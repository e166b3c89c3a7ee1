build-tsan/obj/src/core/tls.o: src/core/tls.c src/core/tls.h \
 src/core/err.h src/core/fs.h src/core/log.h
src/core/tls.h:
src/core/err.h:
src/core/fs.h:
src/core/log.h:
