package io.ferry.pipeline;

/** The code a registration runs: a {@link StageHandler}, or a {@link ChunkLoader} on LOAD. */
public sealed interface Handler permits StageHandler, ChunkLoader {}
