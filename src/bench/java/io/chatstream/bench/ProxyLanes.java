package io.chatstream.bench;

import io.chatstream.cluster.RoundRobinProxy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * The load balancer of the cluster scenario (S5), in a process of its own so that its CPU is neither the nodes' nor
 * the load client's: the tests' {@link RoundRobinProxy}, once over every node (round robin, as a balancer without
 * stickiness) and once in front of each node alone (a <em>lane</em>). The load client opens stream i on lane
 * i mod n and resumes it on the next lane: the same proxy code on the path, and a resume that is sure to land on
 * another node than the one that runs the generation (round robin sends it there only by turn).
 *
 * <pre>
 * java -cp ... io.chatstream.bench.ProxyLanes 8081 8082
 * Proxy on 127.0.0.1: round robin 40001, lanes 40002 40003
 * </pre>
 *
 * It runs until it is killed.
 */
public final class ProxyLanes {

    private ProxyLanes() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            System.err.println("usage: ProxyLanes <node port>...");
            System.exit(2);
        }
        List<Integer> nodes = new ArrayList<>();
        for (String a : args) {
            nodes.add(Integer.parseInt(a));
        }
        RoundRobinProxy all = new RoundRobinProxy(nodes);
        StringBuilder line = new StringBuilder("Proxy on 127.0.0.1: round robin " + all.port() + ", lanes");
        for (int node : nodes) {
            line.append(' ').append(new RoundRobinProxy(List.of(node)).port());
        }
        System.out.println(line);
        new CountDownLatch(1).await();
    }
}
