package io.chatstream.time;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ManualSchedulerTest {

    @Test
    void tasksRunInDueOrderAtTheirDueTimeOnlyWhenTheClockIsAdvanced() {
        ManualScheduler s = new ManualScheduler();
        List<String> ran = new ArrayList<>();
        s.schedule(() -> ran.add("b@" + s.nanoTime()), 20, TimeUnit.NANOSECONDS);
        s.schedule(() -> ran.add("a@" + s.nanoTime()), 10, TimeUnit.NANOSECONDS);
        ScheduledFuture<?> c = s.schedule(() -> ran.add("cancelled"), 15, TimeUnit.NANOSECONDS);
        c.cancel(false);
        s.advance(Duration.ofNanos(9));
        assertEquals(List.of(), ran);
        s.advance(Duration.ofNanos(100));
        assertEquals(List.of("a@10", "b@20"), ran);
        assertEquals(109, s.nanoTime());
    }

    @Test
    void aTaskScheduledByATaskRunsInTheSameAdvanceWhenDueAndPeriodicTasksRepeat() {
        ManualScheduler s = new ManualScheduler();
        List<Long> ticks = new ArrayList<>();
        s.schedule(() -> s.schedule(() -> ticks.add(-s.nanoTime()), 5, TimeUnit.NANOSECONDS), 5, TimeUnit.NANOSECONDS);
        s.scheduleAtFixedRate(() -> ticks.add(s.nanoTime()), 3, 3, TimeUnit.NANOSECONDS);
        s.advance(Duration.ofNanos(10));
        assertEquals(List.of(3L, 6L, 9L, -10L), ticks);
        assertEquals(1, s.pending()); // the periodic task's next run
    }
}
