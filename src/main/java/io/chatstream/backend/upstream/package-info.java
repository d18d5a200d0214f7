/**
 * The plumbing the HTTP backends share, knowing no provider: {@link io.chatstream.backend.upstream.UpstreamCall}
 * (one asynchronous, flow-controlled, cancellable exchange with its idle timeout and status mapping),
 * {@link io.chatstream.backend.upstream.ModelLists} (a provider's model list, asked without blocking),
 * {@link io.chatstream.backend.upstream.BaseUrls} (the base-URL settings), and the incremental parsers it feeds,
 * which know nothing of HTTP: on strings ({@link io.chatstream.backend.upstream.LineSplitter},
 * {@link io.chatstream.backend.upstream.SseReader}) and, for the decoders that run once per token, on bytes
 * ({@link io.chatstream.backend.upstream.ByteLineSplitter}, {@link io.chatstream.backend.upstream.SseByteReader},
 * {@link io.chatstream.backend.upstream.StreamJson}), which
 * {@link io.chatstream.backend.upstream.EventStreamDecoder} joins for the event-stream dialects; and
 * {@link io.chatstream.backend.upstream.ThinkSplitter}, {@link io.chatstream.backend.upstream.ToolCallAssembler}. A custom backend may use them; they are not part of the
 * stable extension API of {@code io.chatstream.backend}.
 */
package io.chatstream.backend.upstream;
