package io.chatstream.deploy;

/** chat.war in a standalone Eclipse Jetty 12 (ee10 environment). */
class Jetty12IT extends ContainerContract {

    @Override
    protected Container startContainer() throws Exception {
        return JettyContainer.start("jetty12", Container.home("it.jetty.home"));
    }
}
