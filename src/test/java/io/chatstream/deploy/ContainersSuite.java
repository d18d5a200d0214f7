package io.chatstream.deploy;

import org.junit.platform.suite.api.ConfigurationParameter;
import org.junit.platform.suite.api.IncludeClassNamePatterns;
import org.junit.platform.suite.api.SelectPackages;
import org.junit.platform.suite.api.Suite;

/**
 * The container tests ({@code *IT} in this package: {@code chat.war} in real Tomcat 10.1, Tomcat 11 and Jetty 12, a
 * Tomcat cluster, Tomcat's data source, the Dockerfile), run by the same test run as every other class, in one of its
 * JVMs, and side by side there: one container per class, and their long streams and lowered timeouts overlap. The
 * other JVMs go on with the other classes meanwhile, so the containers' minute and a half of waiting costs the run
 * little. The WAR they install is built before the tests ({@code pom.xml}, maven-war-plugin).
 *
 * <p>{@code mvn verify -Dtest=ContainersSuite} runs these alone; {@code -DskipITs} leaves them out.
 */
@Suite
@SelectPackages("io.chatstream.deploy")
@IncludeClassNamePatterns(".*IT")
@ConfigurationParameter(key = "junit.jupiter.execution.parallel.mode.classes.default", value = "concurrent")
class ContainersSuite {
}
