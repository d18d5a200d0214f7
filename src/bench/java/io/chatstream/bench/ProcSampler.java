package io.chatstream.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * Samples a process from {@code /proc/<pid>/stat} about every 100 ms: resident memory, threads, CPU time
 * (user + system). Linux only. Keeps the peaks and the CPU time at any moment asked for.
 */
final class ProcSampler implements AutoCloseable {

    private final Path stat;
    private final long clockTicksPerSecond;
    private final long pageSize;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile long peakRssBytes;
    private volatile int peakThreads;
    private volatile long lastCpuTicks;
    private volatile long lastSystemTicks;
    private volatile boolean gone;

    ProcSampler(long pid, long clockTicksPerSecond, long pageSize) {
        this.stat = Path.of("/proc", Long.toString(pid), "stat");
        this.clockTicksPerSecond = clockTicksPerSecond;
        this.pageSize = pageSize;
        sample();
        thread = new Thread(this::loop, "proc-sampler");
        thread.setDaemon(true);
        thread.start();
    }

    private void loop() {
        while (running) {
            sample();
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Takes one sample now, and returns the process's CPU time so far in nanoseconds (-1 when it is gone). */
    synchronized long sample() {
        String s;
        try {
            s = Files.readString(stat);
        } catch (IOException e) {
            gone = true;
            return -1;
        }
        // fields after "(comm)": state is field 3; utime 14, stime 15, num_threads 20, rss 24 (pages)
        String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
        long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
        lastSystemTicks = Long.parseLong(f[12]);
        int threads = Integer.parseInt(f[17]);
        long rss = Long.parseLong(f[21]) * pageSize;
        lastCpuTicks = ticks;
        if (rss > peakRssBytes) {
            peakRssBytes = rss;
        }
        if (threads > peakThreads) {
            peakThreads = threads;
        }
        return ticks * 1_000_000_000L / clockTicksPerSecond;
    }

    /**
     * CPU nanoseconds so far of each live thread, added up by thread name with digits taken out
     * ({@code jetty-12} and {@code jetty-31} both count as {@code jetty-N}).
     */
    Map<String, Long> cpuByThreadGroup() {
        Map<String, Long> groups = new TreeMap<>();
        Path tasks = stat.getParent().resolve("task");
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(tasks)) {
            for (Path t : dir) {
                try {
                    String name = Files.readString(t.resolve("comm")).trim().replaceAll("[0-9]+", "N");
                    String s = Files.readString(t.resolve("stat"));
                    String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
                    long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
                    groups.merge(name, ticks * 1_000_000_000L / clockTicksPerSecond, Long::sum);
                } catch (IOException e) {
                    // the thread ended meanwhile
                }
            }
        } catch (IOException e) {
            gone = true;
        }
        return groups;
    }

    /** The system (kernel) part of the CPU time as of the last sample, in nanoseconds. */
    long systemNanos() {
        return lastSystemTicks * 1_000_000_000L / clockTicksPerSecond;
    }

    long peakRssBytes() {
        return peakRssBytes;
    }

    int peakThreads() {
        return peakThreads;
    }

    boolean processGone() {
        return gone;
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
    }

    /** {@code getconf NAME}, or the fallback when it cannot be run. */
    static long getconf(String name, long fallback) {
        try {
            Process p = new ProcessBuilder("getconf", name).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes()).trim();
            return p.waitFor() == 0 ? Long.parseLong(out) : fallback;
        } catch (IOException | NumberFormatException e) {
            return fallback;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return fallback;
        }
    }
}
