package io.ferry.machine;

/** Guest RAM was asked for that this process or host cannot hold; the message says which limit and how much is left. */
public final class GuestMemoryTooLargeException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public GuestMemoryTooLargeException(String message) {
        super(message);
    }
}
