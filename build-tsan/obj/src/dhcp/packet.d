build-tsan/obj/src/dhcp/packet.o: src/dhcp/packet.c src/dhcp/packet.h \
 src/core/arena.h src/core/err.h src/core/rdwr.h
src/dhcp/packet.h:
src/core/arena.h:
src/core/err.h:
src/core/rdwr.h:
