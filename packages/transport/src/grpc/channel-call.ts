import type * as grpc from '@grpc/grpc-js';

/**
 * ChannelCall is grpc-js's call below its client surface: what
 * Channel.createCall returns. Messages are bytes, reads are requested one
 * at a time with startRead(), and events go to one listener object.
 */
export type ChannelCall = ReturnType<grpc.ChannelInterface['createCall']>;

/** ChannelCallListener is what a ChannelCall reports to. */
export type ChannelCallListener = grpc.InterceptingListener;
