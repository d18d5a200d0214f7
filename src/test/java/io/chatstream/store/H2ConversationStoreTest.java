package io.chatstream.store;

import io.chatstream.config.ConfigException;
import io.chatstream.config.Settings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The store contract on the embedded H2 database, in file mode in a temp directory. */
class H2ConversationStoreTest extends ConversationStoreContract {

    @TempDir
    Path dir;
    private ExecutorService threads;
    private ConversationStore store;

    @BeforeEach
    void open() {
        threads = Executors.newFixedThreadPool(2);
        store = open(dir);
    }

    @AfterEach
    void close() {
        store.close();
        threads.shutdown();
    }

    private ConversationStore open(Path storeDir) {
        StoreConfig config = StoreConfig.load(Settings.of(Map.of("chat.store.dir", storeDir.toString())));
        return ConversationStores.open(config, threads, getClass().getClassLoader());
    }

    @Override
    ConversationStore store() {
        return store;
    }

    @Test
    void closingLeavesNoThreadOfThePoolAlive() throws Exception {
        // a container that finds a webapp's thread alive after its stop logs a leak (Tomcat does, in WARNING)
        await(store.create(conversation(id(), "t", 1)));
        assertTrue(Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.getName().startsWith("chat-store-pool-")), "the pool names its threads");
        store.close();
        assertEquals(List.of(), Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive)
                .map(Thread::getName).filter(n -> n.startsWith("chat-store-pool-")).toList());
    }

    @Test
    void keepsEverythingInItsDirectoryAcrossARestart() throws Exception {
        String owner = id();
        Conversation c = await(store.create(conversation(owner, "kept", 1)));
        store.close();
        assertTrue(Files.exists(dir.resolve("chat.mv.db")), "the database file is in chat.store.dir");
        store = open(dir);
        assertEquals("kept", await(store.find(owner, c.id())).orElseThrow().conversation().title());
    }

    @Test
    void aStoreWhoseDatabaseWasHeldAtStartAnswersUnavailableUntilItOpens() throws Exception {
        // what ConversationStores.open returns when a redeploy's old instance (another class loader, another H2)
        // still holds the file: a store whose migration runs at first use, and again until it succeeds
        java.util.concurrent.atomic.AtomicBoolean held = new java.util.concurrent.atomic.AtomicBoolean(true);
        java.util.concurrent.atomic.AtomicInteger migrations = new java.util.concurrent.atomic.AtomicInteger();
        org.h2.jdbcx.JdbcDataSource h2 = new org.h2.jdbcx.JdbcDataSource();
        h2.setURL("jdbc:h2:file:" + dir.resolve("pending").toAbsolutePath());
        ConversationStore pending = new JdbcConversationStore(h2, threads, () -> { }, () -> {
            if (held.get()) {
                throw new IllegalStateException("Database may be already in use");
            }
            org.flywaydb.core.Flyway.configure().dataSource(h2).locations("classpath:db/migration").load()
                    .migrate();
            migrations.incrementAndGet();
        });
        java.util.concurrent.ExecutionException e = assertThrows(java.util.concurrent.ExecutionException.class,
                () -> await(pending.list("o", null, null, 5)));
        assertTrue(e.getCause() instanceof StoreUnavailableException, e.getCause().toString());
        held.set(false);
        Conversation c = await(pending.create(conversation("o", "opened", 1)));
        assertEquals("opened", await(pending.find("o", c.id())).orElseThrow().conversation().title());
        assertEquals(1, migrations.get(), "migrated once, at the first use after the file was free");
    }

    @Test
    void aDirectoryThatCannotBeWrittenStopsStartUpNamingTheSetting() throws Exception {
        Path readOnly = Files.createDirectory(dir.resolve("ro"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("r-xr-xr-x")));
        // root writes anywhere: a regular file in the path cannot be a directory for anyone
        Path blocked = Files.writeString(dir.resolve("file"), "x");
        for (Path p : new Path[] {Files.isWritable(readOnly) ? blocked.resolve("sub") : readOnly}) {
            ConfigException e = assertThrows(ConfigException.class,
                    () -> StoreConfig.load(Settings.of(Map.of("chat.store.dir", p.toString()))));
            assertTrue(e.getMessage().contains("chat.store.dir"), e.getMessage());
        }
    }

    @Test
    void theEmbeddedDatabaseIsRefusedBesideACluster() {
        ConfigException e = assertThrows(ConfigException.class, () -> StoreConfig.load(Settings.of(Map.of(
                "chat.store.dir", dir.toString(), "chat.cluster.redis-url", "redis://127.0.0.1:6379"))));
        assertTrue(e.getMessage().contains("chat.store.url"), e.getMessage());
    }

    @Test
    void thePasswordIsNeverShown() {
        StoreConfig config = StoreConfig.load(Settings.of(Map.of("chat.store.url",
                "jdbc:postgresql://db/chat", "chat.store.user", "chat", "chat.store.password", "s3cret-pw")));
        assertTrue(!config.toString().contains("s3cret-pw"), config.toString());
        assertEquals("jdbc:postgresql://***@db/chat?password=***",
                ConversationStores.safeUrl("jdbc:postgresql://u:p@db/chat?password=x"));
    }
}
