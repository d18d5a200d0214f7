package io.chatstream.deploy;

import java.util.Map;

/** chat.war in Apache Tomcat 11 (Servlet 6.1). */
class Tomcat11IT extends ContainerContract {

    @Override
    protected Container startContainer(Map<String, String> modelParameters) throws Exception {
        return TomcatContainer.start("tomcat11", Container.home("it.tomcat11.home"), true, modelParameters);
    }
}
