package io.chatstream.store;

import io.chatstream.config.Settings;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The store contract on a real PostgreSQL 15 cluster, started for this class in a temp directory. */
class PostgresConversationStoreTest extends ConversationStoreContract {

    private static final AtomicInteger DATABASES = new AtomicInteger();
    private static PostgresCluster cluster;
    private ExecutorService threads;
    private ConversationStore store;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = PostgresCluster.start();
    }

    @AfterAll
    static void stopCluster() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    @BeforeEach
    void open() throws Exception {
        threads = Executors.newFixedThreadPool(2);
        store = open(cluster.createDatabase("chat" + DATABASES.incrementAndGet()));
    }

    @AfterEach
    void close() {
        store.close();
        threads.shutdown();
    }

    private ConversationStore open(String url) {
        StoreConfig config = StoreConfig.load(Settings.of(Map.of("chat.store.url", url,
                "chat.store.user", "postgres", "chat.store.pool-size", "2")));
        return ConversationStores.open(config, threads, getClass().getClassLoader());
    }

    @Override
    ConversationStore store() {
        return store;
    }

    @Test
    void nodesStartingAtOnceMigrateTheSchemaOnce() throws Exception {
        String url = cluster.createDatabase("together" + DATABASES.incrementAndGet());
        List<CompletableFuture<ConversationStore>> nodes = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            nodes.add(CompletableFuture.supplyAsync(() -> open(url)));
        }
        List<ConversationStore> opened = new ArrayList<>();
        for (CompletableFuture<ConversationStore> n : nodes) {
            opened.add(await(n));
        }
        String owner = id();
        Conversation c = await(opened.get(0).create(conversation(owner, "shared", 1)));
        assertEquals("shared", await(opened.get(2).find(owner, c.id())).orElseThrow().conversation().title());
        opened.forEach(ConversationStore::close);
    }

    @Test
    void aDatabaseThatGoesAwayFailsTheWorkAsUnavailableAndIsUsedAgainWhenBack() throws Exception {
        String owner = id();
        Conversation c = await(store.create(conversation(owner, "before", 1)));
        cluster.stopServer();
        try {
            ExecutionException e = assertThrows(ExecutionException.class, () -> await(store.find(owner, c.id())));
            assertInstanceOf(StoreUnavailableException.class, e.getCause());
        } finally {
            cluster.startServer();
        }
        assertEquals("before", await(store.find(owner, c.id())).orElseThrow().conversation().title());
    }
}
