%% A stand-in for the in_kazoo/4 of Kazoo's core/sup: the call's audit line on the node's
%% console (Kazoo's goes to lager), then the call.
-module(sup).

-export([in_kazoo/4]).

in_kazoo(SupName, M, F, As) ->
    io:format(user, "sup: ~s ~s ~s from ~s~n", [M, F, lists:join(",", As), SupName]),
    apply(M, F, As).
