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
    void keepsEverythingInItsDirectoryAcrossARestart() throws Exception {
        String owner = id();
        Conversation c = await(store.create(conversation(owner, "kept", 1)));
        store.close();
        assertTrue(Files.exists(dir.resolve("chat.mv.db")), "the database file is in chat.store.dir");
        store = open(dir);
        assertEquals("kept", await(store.find(owner, c.id())).orElseThrow().conversation().title());
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
