%% Both node types boot the same release, as in Kazoo: each app checks the node's name
%% and only the one it names says it is up.
-module(kazoo_apps_app).
-behaviour(application).
-behaviour(supervisor).

-export([start/2, stop/1, init/1]).

start(_Type, _Args) ->
    %% `-kazoo_apps boot_ms N` on the command line: a boot that takes as long as a real
    %% Kazoo node's, whose applications start seconds after its name is in epmd.
    timer:sleep(application:get_env(kazoo_apps, boot_ms, 0)),
    [Name | _] = string:split(atom_to_list(node()), "@"),
    lists:prefix("kazoo_apps", Name) andalso io:format(user, "kazoo_apps is up~n", []),
    supervisor:start_link(?MODULE, []).

stop(_State) ->
    ok.

%% An empty supervisor: the application needs a top process and nothing more.
init([]) ->
    {ok, {#{}, []}}.
