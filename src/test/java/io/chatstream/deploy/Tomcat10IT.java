package io.chatstream.deploy;

import java.util.Map;

/** chat.war in Apache Tomcat 10.1 (Servlet 6.0). */
class Tomcat10IT extends ContainerContract {

    @Override
    protected Container startContainer(Map<String, String> modelParameters) throws Exception {
        return TomcatContainer.start("tomcat10", Container.home("it.tomcat10.home"), false, modelParameters);
    }
}
