package io.chatstream.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.chatstream.config.ConfigException;
import org.flywaydb.core.Flyway;

import javax.naming.InitialContext;
import javax.naming.NamingException;
import javax.sql.DataSource;
import java.lang.System.Logger.Level;
import java.sql.Driver;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadFactory;

/**
 * Opens the {@link ConversationStore} that {@link StoreConfig} names and brings its schema up to date with the
 * Flyway migrations in {@code db/migration}. Flyway takes a lock in the database while it migrates, so nodes that
 * start at once apply each migration once.
 */
public final class ConversationStores {

    private static final System.Logger LOG = System.getLogger(ConversationStores.class.getName());

    private ConversationStores() {
    }

    /**
     * The store, migrated; its statements run on {@code executor}.
     *
     * @param loader the webapp's class loader: it finds the migrations and the JDBC drivers in {@code WEB-INF/lib}
     * @throws ConfigException the database cannot be reached or migrated: start-up stops with the reason
     */
    public static ConversationStore open(StoreConfig config, Executor executor, ClassLoader loader) {
        if (config.off()) {
            throw new IllegalArgumentException("conversations are off");
        }
        DataSource dataSource;
        AutoCloseable onClose;
        String where;
        if (config.datasource() != null) {
            dataSource = lookup(config.datasource());
            onClose = () -> { }; // the container's pool is the container's to close
            where = "data source " + config.datasource();
        } else {
            PoolThreadsSeen threads = new PoolThreadsSeen();
            HikariDataSource pool = pool(config, loader, threads);
            dataSource = pool;
            onClose = () -> {
                pool.close();
                // the pool's own threads (connection closer, housekeeper) may still be finishing when close returns;
                // a container that finds one alive after the webapp stopped logs a leak
                threads.join(2_000);
                deregisterDrivers(loader);
            };
            where = config.embedded() ? "embedded database in " + config.dir() : "database " + safeUrl(config.url());
        }
        Runnable migrate = () -> Flyway.configure(loader).dataSource(dataSource)
                .locations("classpath:db/migration").load().migrate();
        try {
            // on a store thread too, like every other statement: the container's start-up thread only waits for it
            // and keeps no connection pool state of its own
            CompletableFuture.runAsync(migrate, executor).get();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            if (config.embedded() && heldByAnother(cause)) {
                // a redeploy that starts the new instance before it stops the old one (Jetty does): the old one
                // holds the file until it stops, after this start. Start now; the store opens at first use after
                LOG.log(Level.INFO, "The " + where + " is still open in the webapp's previous instance;"
                        + " conversations answer 503 until it lets go");
                return new JdbcConversationStore(dataSource, executor, onClose, migrate);
            }
            close(onClose);
            throw new ConfigException("Conversation store (" + where + ") could not be prepared: "
                    + cause.getMessage() + ". Check chat.store.url / chat.store.datasource, or set"
                    + " chat.store.url=off.");
        } catch (InterruptedException e) {
            close(onClose);
            Thread.currentThread().interrupt();
            throw new ConfigException("Conversation store (" + where + ") not prepared: start-up was interrupted");
        }
        LOG.log(Level.INFO, "Conversations kept in the " + where);
        return new JdbcConversationStore(dataSource, executor, onClose, null);
    }

    /** H2's "Database may be already in use" (90020) anywhere in the chain: another instance holds the file. */
    private static boolean heldByAnother(Throwable t) {
        for (Throwable c = t; c != null && c != c.getCause(); c = c.getCause()) {
            if (c instanceof SQLException s && s.getErrorCode() == 90020) {
                return true;
            }
        }
        return false;
    }

    private static HikariDataSource pool(StoreConfig config, ClassLoader loader, ThreadFactory threads) {
        HikariConfig h = new HikariConfig();
        h.setThreadFactory(threads);
        String url = config.embedded()
                // DB_CLOSE_ON_EXIT=FALSE: the webapp closes the database at its stop, not a JVM hook of H2's own.
                // WRITE_DELAY=0: a commit is on disk when it returns; by default H2 writes up to 500 ms later, and a
                // process killed in between loses the reply's last checkpoint
                ? "jdbc:h2:file:" + config.dir().resolve("chat") + ";DB_CLOSE_ON_EXIT=FALSE;WRITE_DELAY=0"
                : config.url();
        h.setJdbcUrl(url);
        if (url.startsWith("jdbc:h2:")) {
            h.setDriverClassName("org.h2.Driver");
        } else if (url.startsWith("jdbc:postgresql:")) {
            h.setDriverClassName("org.postgresql.Driver");
        }
        if (config.user() != null) {
            h.setUsername(config.user());
        }
        if (config.password() != null) {
            h.setPassword(config.password());
        }
        h.setPoolName("chat-store");
        h.setMaximumPoolSize(config.poolSize());
        h.setMinimumIdle(1);
        // a request waits for a connection at most this long before it is a 503
        h.setConnectionTimeout(5_000);
        h.setValidationTimeout(2_000);
        // the first connection is made by Flyway below, which reports a database that cannot be reached
        h.setInitializationFailTimeout(-1);
        Thread self = Thread.currentThread();
        ClassLoader before = self.getContextClassLoader();
        self.setContextClassLoader(loader);
        try {
            return new HikariDataSource(h);
        } catch (RuntimeException e) {
            throw new ConfigException("Invalid setting chat.store.url = '" + safeUrl(config.url()) + "': "
                    + e.getMessage());
        } finally {
            self.setContextClassLoader(before);
        }
    }

    private static DataSource lookup(String name) {
        try {
            Object found = new InitialContext().lookup(name);
            if (found instanceof DataSource ds) {
                return ds;
            }
            throw new ConfigException("Invalid setting chat.store.datasource = '" + name + "': it names a "
                    + (found == null ? "null" : found.getClass().getName()) + ", not a javax.sql.DataSource");
        } catch (NamingException e) {
            throw new ConfigException("Invalid setting chat.store.datasource = '" + name + "': not found in JNDI ("
                    + e.getMessage() + ")");
        }
    }

    /** Drivers that this webapp's jars registered: left registered, they would keep its class loader alive. */
    private static void deregisterDrivers(ClassLoader loader) {
        for (Driver d : Collections.list(DriverManager.getDrivers())) {
            if (d.getClass().getClassLoader() == loader) {
                try {
                    DriverManager.deregisterDriver(d);
                } catch (SQLException e) {
                    LOG.log(Level.DEBUG, () -> "JDBC driver " + d.getClass().getName() + " stays registered: " + e);
                }
            }
        }
    }

    private static void close(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            LOG.log(Level.DEBUG, () -> "Closing the conversation store's pool after a failed start: " + e);
        }
    }

    /** The URL without {@code user:password@} or a {@code password=} parameter. */
    static String safeUrl(String url) {
        return url.replaceAll("(?i)(//)[^/@]*@", "$1***@").replaceAll("(?i)(password=)[^&;]*", "$1***");
    }

    /** Makes the pool's threads (daemons named {@code chat-store-pool-N}) and remembers them, to join them at close. */
    private static final class PoolThreadsSeen implements ThreadFactory {
        private final List<Thread> made = new java.util.concurrent.CopyOnWriteArrayList<>();
        private final java.util.concurrent.atomic.AtomicInteger count = new java.util.concurrent.atomic.AtomicInteger();

        @Override
        public Thread newThread(Runnable task) {
            Thread t = new Thread(task, "chat-store-pool-" + count.incrementAndGet());
            t.setDaemon(true);
            made.add(t);
            return t;
        }

        /** Waits up to {@code millis} in all for every thread made to end. */
        void join(long millis) throws InterruptedException {
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(millis);
            for (Thread t : made) {
                long left = java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    return;
                }
                t.join(left);
            }
        }
    }
}
