package io.ferry.vhost;

/**
 * What the guest driver reports in its state page (see {@link RxRingLayout}): guest-visible, so
 * it migrates with guest RAM and the destination's driver continues from it.
 *
 * @param ready whether the driver has set the queue up
 * @param nextSeq sequence number of the next packet the driver expects
 * @param received packets received intact and in order; equals {@code nextSeq} while nothing was lost
 * @param errors packets or ring states the driver found wrong
 * @param lastUsed used index up to which the driver has consumed
 */
public record RxDriverStatus(boolean ready, long nextSeq, long received, long errors, int lastUsed) {}
