package io.chatstream.metrics;

/**
 * What a node of a cluster ({@code chat.cluster.redis-url}) saw of Redis, read at each scrape.
 *
 * @param redisErrors     commands that failed or went unanswered, and connections lost, since start-up
 * @param redisReconnects returns of Redis after an outage, since start-up
 * @param logLagEvents    events appended on this node and not yet in the shared log: 0 while Redis keeps up
 */
public record ClusterCounts(long redisErrors, long redisReconnects, long logLagEvents) {
}
