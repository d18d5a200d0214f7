/**
 * The plumbing the HTTP backends share, knowing no provider: {@link io.chatstream.backend.upstream.UpstreamCall}
 * (one asynchronous, flow-controlled, cancellable exchange with its idle timeout and status mapping) and the
 * incremental parsers it feeds ({@link io.chatstream.backend.upstream.LineSplitter},
 * {@link io.chatstream.backend.upstream.SseReader}, {@link io.chatstream.backend.upstream.ThinkSplitter},
 * {@link io.chatstream.backend.upstream.ToolCallAssembler}; and, for dialects read straight from bytes,
 * {@link io.chatstream.backend.upstream.SseDataReader} with {@link io.chatstream.backend.upstream.JsonPull}), which
 * know nothing of HTTP. A custom backend may use them; they are not part of the stable extension API of
 * {@code io.chatstream.backend}.
 */
package io.chatstream.backend.upstream;
